"""Small fixes to Jupyter Book 1's HTML output, found by the browser tests.

- sphinx-thebe and sphinx-togglebutton add their inline configuration <script> twice (once with
  filename None, once with ""), which throws "Identifier 'THEBE_JS_URL' has already been
  declared" in every page's console: keep one copy of each script.
"""


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = (str(script.filename or ""), tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
