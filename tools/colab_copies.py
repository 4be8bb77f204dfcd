"""Colab- and Jupyter-ready copies of the chapters: ``colab/NN_*.ipynb``, written from
``chapters/`` and the book's execution cache.

The chapters are written in MyST for Jupyter Book: citations, links into the API page, numbers
glued in from the chapter's own cells, equation labels and directives are markup that only the
book's build understands, and Colab or plain Jupyter show them as literal text. Each copy has the
chapter's code cells unchanged (byte for byte) and its markdown converted to plain markdown and a
little basic HTML:

- ``{cite}`key``` (and ``{cite:p}``, ``{cite:t}``, ``{cite:ps}``, ``{cite:ts}``): author-year
  text as the HTML book prints it ("[Kingma and Ba, 2014]", textual: "Kingma and Ba [2014]"),
  each reference linked to its entry on the book's bibliography page, the full reference as the
  link's tooltip;
- ``{py:func}``, ``{py:class}``, ``{py:mod}``, ...: the name as code, linked to its entry on the
  book's API page (``api.html#dlsg_utils.stats.verdict``, ``api.html#module-dlsg_utils.stats``);
- ``{glue:text}`key:fmt``` (and ``{glue}``, ``{glue:any}``): the value of the book's build,
  formatted as the book formats it, in an ``<abbr>`` whose title says so (dotted underline);
- ``$$ ... $$ (label)``: the equation with ``\\tag{N}``, N being the number the HTML book gives
  it (Jupyter Book numbers labelled equations through the whole book in the order of the table
  of contents); ``{eq}`label``` becomes "(N)";
- ``{numref}``/``{ref}``: plain text with the target's number or title;
- admonitions become block quotes with a bold title, dropdowns (and the "Deeper" blocks)
  ``<details>``; relative links point at the published book.

Links go to the published book: ``html.baseurl`` of ``_config.yml`` (or ``sphinx.config.
html_baseurl``) when one is set, else ``DEFAULT_BOOK_URL``. Each copy records in its metadata
(``dlsg_colab``) the glued values it used and the build they came from, so that
``tests/test_colab_copies.py`` can regenerate it from the chapter and tell when it is stale.

    python tools/colab_copies.py [--cache FOLDER] [--out FOLDER]    (make colab)

The values come from the execution cache of ``make book``: the folder that ``_ext/dlsg_book.py``
names for the present state of the package, data and libraries. A chapter missing from it (or
changed since the build) stops the script with a message naming ``make book``.
"""

from __future__ import annotations

import argparse
import copy
import json
import posixpath
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Where links into the book go when _config.yml names no published address (html.baseurl): the
#: GitHub Pages address of the repository that _config.yml names. Change it here only.
DEFAULT_BOOK_URL = "https://dlsg.github.io/gradient-descent-and-convnets/"

#: The tooltip of every glued value, and the key of the copies' notebook metadata.
GLUE_NOTE = "value of the book's build; running the notebook recomputes it"
METADATA_KEY = "dlsg_colab"
GENERATOR = "tools/colab_copies.py"

ADMONITIONS = ("admonition", "note", "tip", "hint", "important", "warning", "caution",
               "attention", "danger", "error", "seealso")
TEXTUAL_CITE = {"t": False, "ts": True}       # role flavour -> full author list
PAREN_CITE = {"": False, "p": False, "ps": True}


class ConversionError(ValueError):
    """MyST that the converter cannot turn into plain markdown (the message says where)."""


class MissingBuildError(RuntimeError):
    """The execution cache lacks a chapter, or a value the chapter quotes."""


# --------------------------------------------------------------------------------------------
# What a conversion needs to know about the whole book


@dataclass
class Book:
    """The book-wide facts a page's conversion needs."""

    url: str                                   # ends with "/"
    equations: dict[str, int] = field(default_factory=dict)     # label -> number
    sections: dict[str, str] = field(default_factory=dict)      # (label)= -> heading text
    titles: dict[str, str] = field(default_factory=dict)        # page -> its "# " title
    cite_id: str = "cite-{key}"                # the bibliography's anchor of an entry
    bibfile: Path | None = None
    _bib: object = None

    def page_url(self, page: str, anchor: str = "") -> str:
        return f"{self.url}{page}.html" + (f"#{anchor}" if anchor else "")

    @property
    def bibliography(self) -> Bibliography:
        if self._bib is None:
            if self.bibfile is None:
                raise ConversionError("the book has no bibliography file (bibtex_bibfiles)")
            self._bib = Bibliography(self.bibfile)
        return self._bib


class Bibliography:
    """references.bib, formatted as sphinxcontrib-bibtex formats it in the HTML book: entries in
    the order of the bibliography page (pybtex's ``alpha`` style sorts them), author-year labels
    from the ``author_year`` reference style's own name template, tooltips in ``alpha`` style."""

    def __init__(self, path: Path):
        import pybtex.plugin
        from pybtex.database import parse_file

        self.data = parse_file(str(path))
        style = pybtex.plugin.find_plugin("pybtex.style.formatting", "alpha")()
        entries = list(style.sort(self.data.entries.values()))
        self.order = {entry.key: i for i, entry in enumerate(entries)}
        plain = pybtex.plugin.find_plugin("pybtex.backends", "plaintext")()
        self.tooltip = {
            entry.key: style.format_entry(label, entry).text.render(plain).replace("\\url ", "")
            for label, entry in zip(list(style.format_labels(entries)), entries, strict=True)
        }
        self._names: dict[tuple[str, bool], str] = {}

    def names(self, key: str, full: bool) -> str:
        """"Kingma and Ba", "Karpathy *et al.*" (markdown), as the HTML book's citations."""
        if (key, full) not in self._names:
            from sphinxcontrib.bibtex.style.referencing import PersonStyle
            from sphinxcontrib.bibtex.style.template import author_or_editor_or_title

            person = PersonStyle()
            template = author_or_editor_or_title(
                sep=person.sep, sep2=person.sep2, last_sep=person.last_sep,
                other=None if full else person.other)

            class _Style:  # what the template reads of sphinxcontrib-bibtex's style object
                pass

            style = _Style()
            style.person = person
            text = template.format_data({"entry": self.data.entries[key], "style": style})
            self._names[(key, full)] = text.render(_markdown_backend())
        return self._names[(key, full)]

    def year(self, key: str) -> str:
        return md_escape(self.data.entries[key].fields.get("year", "n.d."))


def _markdown_backend():
    """pybtex's markdown backend, escaping only what markdown would misread (not every dot)."""
    from pybtex.backends.markdown import Backend

    class MarkdownBackend(Backend):
        def format_str(self, text):
            return md_escape(text)

    return MarkdownBackend()


# --------------------------------------------------------------------------------------------
# Inline markup

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|$~&#])")


def md_escape(text: str) -> str:
    """``text`` as markdown that renders it literally (glued strings are plain text)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _title_attr(text: str) -> str:
    """A markdown link title: ``"..."`` with quotes and backslashes escaped, and without dollar
    signs (Jupyter looks for math in the whole cell, attributes included, and a lone ``$`` there
    would pair with one in the text)."""
    text = text.replace("$", "")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


ROLE = re.compile(r"\{(?P<name>[A-Za-z][\w:.+-]*)\}(?P<ticks>`+)(?P<body>.+?)(?P=ticks)(?!`)",
                  re.S)
EXPLICIT_TITLE = re.compile(r"^(?P<title>.+?)\s*<(?P<target>[^<>]+)>$", re.S)


def format_glue(text_plain: str, fmt: str) -> str:
    """A glued value's text/plain formatted as myst-nb's ``{glue:text}`` formats it."""
    from myst_nb.core.variables import format_plain_text

    return format_plain_text(text_plain, fmt)


@dataclass
class Page:
    """One page's conversion: where it is, its glued values, and the counts of what changed."""

    book: Book
    page: str                          # "chapters/04_adaptive_learning_rates"
    glue: dict[str, str]               # key -> text/plain of the book's build
    counts: Counter = field(default_factory=Counter)
    used_glue: set[str] = field(default_factory=set)

    def fail(self, what: str) -> ConversionError:
        return ConversionError(f"{self.page}: {what}")

    # -- roles ---------------------------------------------------------------------------

    def role(self, name: str, body: str) -> str:
        body = " ".join(body.split())
        if name == "cite" or name.startswith("cite:"):
            return self.cite(name.partition(":")[2], body)
        if name.startswith("py:"):
            return self.api(name[3:], body)
        if name in ("glue", "glue:", "glue:any", "glue:text"):
            return self.glued(name, body)
        if name == "eq":
            return self.eq(body)
        if name in ("ref", "numref"):
            return self.ref(name, body)
        if name == "doc":
            return self.doc(body)
        if name in ("math",):
            self.counts["math role"] += 1
            return f"${body}$"
        raise self.fail(f"no plain-markdown form for the role {{{name}}}`{body}`")

    def cite(self, flavour: str, body: str) -> str:
        bib = self.book.bibliography
        keys = [k.strip() for k in body.split(",") if k.strip()]
        unknown = [k for k in keys if k not in bib.order]
        if unknown:
            raise self.fail(f"{{cite}} of keys missing from the bibliography: {unknown}")
        if flavour not in TEXTUAL_CITE and flavour not in PAREN_CITE:
            raise self.fail(f"unsupported citation role {{cite:{flavour}}}")
        self.counts["cite"] += 1
        # the HTML book lists a citation's works in the bibliography's order, each once
        keys = sorted(dict.fromkeys(keys), key=bib.order.__getitem__)

        def link(key: str, text: str) -> str:
            from docutils.nodes import make_id

            url = self.book.page_url("bibliography", make_id(self.book.cite_id.format(key=key)))
            return f"[{text}]({url} {_title_attr(bib.tooltip[key])})"

        if flavour in TEXTUAL_CITE:
            full = TEXTUAL_CITE[flavour]
            return ", ".join(f"{bib.names(k, full)} \\[{link(k, bib.year(k))}\\]" for k in keys)
        full = PAREN_CITE[flavour]
        return "\\[" + ", ".join(link(k, f"{bib.names(k, full)}, {bib.year(k)}")
                                 for k in keys) + "\\]"

    def api(self, kind: str, body: str) -> str:
        m = EXPLICIT_TITLE.match(body)
        title, target = (m["title"], m["target"]) if m else (None, body)
        short = target.startswith("~")
        target = target.lstrip("~.")
        if not re.fullmatch(r"dlsg_utils(\.\w+)*", target):
            raise self.fail(f"{{py:{kind}}}`{body}`: only full names in dlsg_utils are "
                            "documented on the API page")
        self.counts["api"] += 1
        anchor = f"module-{target}" if kind == "mod" else target
        if title is None:
            title = target.rsplit(".", 1)[-1] if short else target
            if kind in ("func", "meth"):
                title += "()"
        return f"[`{title}`]({self.book.page_url('api', anchor)})"

    def glued(self, name: str, body: str) -> str:
        key, fmt = (body.rsplit(":", 1) if name == "glue:text" and ":" in body else (body, ""))
        if "::" in key:
            raise self.fail(f"{{{name}}}`{body}`: glue from another page is not supported")
        if key not in self.glue:
            raise MissingBuildError(
                f"{self.page}: no value for the glued key {key!r} in the book's build "
                "(run `make book`, then `make colab`)")
        self.used_glue.add(key)
        self.counts["glue"] += 1
        try:  # {glue:text} formats the value; {glue} and {glue:any} paste its text/plain
            value = format_glue(self.glue[key], fmt) if name == "glue:text" else self.glue[key]
        except (TypeError, ValueError) as exc:
            raise self.fail(f"{{{name}}}`{body}`: cannot format {self.glue[key]!r} with "
                            f"{fmt!r}: {exc}") from exc
        return f'<abbr title="{GLUE_NOTE}">{md_escape(value)}</abbr>'

    def eq(self, body: str) -> str:
        m = EXPLICIT_TITLE.match(body)
        label = m["target"] if m else body
        if label not in self.book.equations:
            raise self.fail(f"{{eq}}`{body}`: no labelled equation {label!r} in the book")
        self.counts["eq reference"] += 1
        return f"({self.book.equations[label]})"

    def ref(self, name: str, body: str) -> str:
        m = EXPLICIT_TITLE.match(body)
        title, label = (m["title"], m["target"]) if m else (None, body)
        self.counts[name] += 1
        if label in self.book.equations:
            number = str(self.book.equations[label])
            if title is None:
                return f"({number})" if name == "numref" else f"equation ({number})"
            return title.replace("{number}", number).replace("%s", number)
        if label in self.book.sections:
            if name == "numref" and (title is None or "{number}" in title or "%s" in title):
                raise self.fail(f"{{numref}}`{body}`: the book's sections are not numbered")
            return title if title is not None else self.book.sections[label]
        raise self.fail(f"{{{name}}}`{body}`: no section or equation labelled {label!r} (figure "
                        "numbers are not known outside the book's build)")

    def doc(self, body: str) -> str:
        """``{doc}`target``` or ``{doc}`text <target>```: a link to the published page, titled
        with the page's own title unless the role gives one."""
        m = EXPLICIT_TITLE.match(body)
        title, target = (m["title"], m["target"]) if m else (None, body)
        page = (target.lstrip("/") if target.startswith("/")
                else posixpath.normpath(posixpath.join(posixpath.dirname(self.page), target)))
        if page not in self.book.titles:
            raise self.fail(f"{{doc}}`{body}`: {page!r} is not a page of the book")
        self.counts["doc"] += 1
        return f"[{title if title is not None else self.book.titles[page]}]({self.book.page_url(page)})"

    # -- links ---------------------------------------------------------------------------

    def link(self, target: str) -> str:
        """A relative link of the chapter, made absolute (the published book's page)."""
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):
            return target
        path, _, anchor = target.partition("#")
        if not path:
            page = self.page
        else:
            page = posixpath.normpath(posixpath.join(posixpath.dirname(self.page), path))
            stem, dot, ext = page.rpartition(".")
            if not dot or ext not in ("md", "ipynb", "html"):
                raise self.fail(f"relative link {target!r} is not a page of the book")
            page = stem
        self.counts["link"] += 1
        return self.book.page_url(page, anchor)

    # -- inline text ---------------------------------------------------------------------

    def inline(self, text: str) -> str:
        """Convert the roles and relative links of ``text``; code spans stay as they are."""
        out: list[str] = []
        i, n = 0, len(text)
        special = re.compile(r"[{`\\\]]")
        while i < n:
            m = special.search(text, i)
            if m is None:
                out.append(text[i:])
                break
            j = m.start()
            out.append(text[i:j])
            c = text[j]
            if c == "{":
                role = ROLE.match(text, j)
                if role:
                    out.append(self.role(role["name"], role["body"]))
                    i = role.end()
                    continue
                out.append(c)
                i = j + 1
            elif c == "`":
                run = re.match(r"`+", text[j:]).group(0)
                close = re.compile(rf"(?<!`){run}(?!`)").search(text, j + len(run))
                end = close.end() if close else j + len(run)
                out.append(text[j:end])
                i = end
            elif c == "\\":
                out.append(text[j:j + 2])
                i = j + 2
            else:  # "]": a link target may follow
                target = re.compile(r"\]\((?P<url><[^>]*>|[^)\s]+)(?P<rest>(?:\s+\"[^\"]*\")?\))")
                lm = target.match(text, j)
                if lm:
                    url = lm["url"].strip("<>")
                    out.append(f"]({self.link(url)}{lm['rest']}")
                    i = lm.end()
                else:
                    out.append(c)
                    i = j + 1
        return "".join(out)

    # -- blocks --------------------------------------------------------------------------

    def blocks(self, text: str) -> str:
        lines = text.split("\n")
        out: list[str] = []
        para: list[str] = []

        def flush():
            if para:
                out.append(self.inline("\n".join(para)))
                para.clear()

        i = 0
        while i < len(lines):
            line = lines[i]
            fence = FENCE.match(line)
            if fence:
                flush()
                try:
                    end = _closing_fence(lines, i, fence)
                except ConversionError as exc:
                    raise self.fail(str(exc)) from None
                if fence["name"] is None:  # a plain code block: verbatim
                    out.append("\n".join(lines[i:end + 1]))
                else:
                    body = lines[i + 1:end]
                    indent = fence["indent"]
                    body = [b[len(indent):] if b.startswith(indent) else b.lstrip()
                            for b in body]
                    rendered = self.directive(fence["name"], fence["args"].strip(), body)
                    out.append("\n".join(indent + r if r else r for r in rendered.split("\n")))
                i = end + 1
                continue
            if line.lstrip().startswith("$$"):
                flush()
                end = i
                rest = line.lstrip()[2:]
                while "$$" not in rest and end + 1 < len(lines):
                    end += 1
                    rest = lines[end]
                if "$$" not in rest:
                    raise self.fail("display math opened with $$ is never closed")
                out.append(self.display_math(lines[i:end + 1]))
                i = end + 1
                continue
            target = re.fullmatch(r"\s*\((?P<label>[^()\s]+)\)=\s*", line)
            if target:
                flush()
                self.counts["target"] += 1
                i += 1
                continue
            if re.match(r"\s*%", line):  # a MyST comment
                flush()
                self.counts["comment"] += 1
                i += 1
                continue
            if line.strip() == "+++":
                flush()
                i += 1
                continue
            para.append(line)
            i += 1
        flush()
        return "\n".join(out)

    def display_math(self, lines: list[str]) -> str:
        text = "\n".join(lines)
        m = re.fullmatch(r"(?P<math>\s*\$\$.*\$\$)(?P<after>[ \t]*(?:\((?P<label>[^()\s]+)\))?"
                         r"[ \t]*)", text, re.S)
        if m is None:
            raise self.fail(f"text after the closing $$ of {text[:60]!r}")
        math = m["math"]
        if m["label"]:
            label = m["label"]
            if label not in self.book.equations:
                raise self.fail(f"equation label {label!r} is not numbered")
            self.counts["equation label"] += 1
            math = f"{math[:-2].rstrip()} \\tag{{{self.book.equations[label]}}}$$"
        return math

    def directive(self, name: str, args: str, body: list[str]) -> str:
        options, body = _directive_options(body)
        classes = options.get("class", "").split()
        if name in ADMONITIONS or name == "dropdown":
            if name in ("admonition", "dropdown"):
                title = args
                if name == "admonition" and not title:
                    raise self.fail("{admonition} without a title")
            else:
                title = {"seealso": "See also"}.get(name, name.capitalize())
                if args:
                    body = [args, *body]
            content = self.blocks("\n".join(body)).strip("\n")
            title = self.inline(" ".join(title.split())) if title else ""
            if name == "dropdown" or "dropdown" in classes:
                self.counts["dropdown -> details"] += 1
                summary = f"<summary><b>{title}</b></summary>" if title else ""
                opened = " open" if "open" in options else ""
                return f"<details{opened}>\n{summary}\n\n{content}\n\n</details>"
            self.counts["admonition -> quote"] += 1
            quoted = "\n".join("> " + x if x.strip() else ">" for x in content.split("\n"))
            return f"> **{title}**\n>\n{quoted}"
        if name in ("code-block", "code", "sourcecode", "code-cell"):
            self.counts["code directive"] += 1
            fence = "````" if any(x.startswith("```") for x in body) else "```"
            return "\n".join([fence + args.split(" ")[0], *body, fence])
        if name == "math":
            self.counts["math directive"] += 1
            math = "$$\n" + "\n".join(body).strip("\n") + "\n$$"
            label = options.get("label") or options.get("name")
            if label:
                return self.display_math([math + f" ({label})"])
            return math
        raise self.fail(f"no plain-markdown form for the directive {{{name}}}")


FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,}|:{3,})\s*"
                   r"(?:\{(?P<name>[\w:.-]+)\})?(?P<args>.*)$")


def _closing_fence(lines: list[str], start: int, fence: re.Match) -> int:
    """The index of the line that closes the fence opened at ``start`` (code blocks nested in
    a directive's body are skipped, so a fence inside them cannot close it)."""
    char, size = fence["fence"][0], len(fence["fence"])
    if char == ":" and fence["name"] is None:
        return start  # a line of colons that opens nothing: MyST would not read a fence here
    i = start + 1
    while i < len(lines):
        line = lines[i]
        close = re.fullmatch(rf"\s*{re.escape(char)}{{{size},}}\s*", line)
        if close:
            return i
        inner = FENCE.match(line)
        if inner and (inner["name"] is not None or inner["fence"][0] not in (char, ":")):
            i = _closing_fence(lines, i, inner) + 1  # a nested block: skip it whole
            continue
        i += 1
    raise ConversionError(f"the fence {lines[start].strip()!r} is never closed")


def _directive_options(body: list[str]) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    if body and body[0].strip() == "---":  # a YAML block of options
        import yaml

        end = next((k for k in range(1, len(body)) if body[k].strip() == "---"), None)
        if end is None:
            raise ConversionError("a directive's option block (---) is never closed")
        options = {str(k): str(v) for k, v in (yaml.safe_load("\n".join(body[1:end])) or {})
                   .items()}
        return options, body[end + 1:]
    k = 0
    while k < len(body):
        m = re.fullmatch(r"\s*:(?P<key>[\w-]+):\s*(?P<value>.*)", body[k])
        if not m:
            break
        options[m["key"]] = m["value"].strip()
        k += 1
    return options, body[k:]


# --------------------------------------------------------------------------------------------
# Book-wide numbering


def toc_pages(root: Path) -> list[str]:
    """The pages of _toc.yml in its order, the root page first (no suffix)."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return pages


def page_markdown(root: Path, page: str) -> list[str]:
    """The markdown of a page of the book: a notebook's markdown cells, or a .md file."""
    nb_path = root / f"{page}.ipynb"
    if nb_path.is_file():
        cells = json.loads(nb_path.read_text())["cells"]
        return [_source(c) for c in cells if c["cell_type"] == "markdown"]
    md = root / f"{page}.md"
    return [md.read_text()] if md.is_file() else []


EQ_LABEL = re.compile(r"\$\$[ \t]*\((?P<label>[^()\s]+)\)[ \t]*$", re.M)
MATH_LABEL = re.compile(r"^\s*(`{3,}|:{3,})\{math\}[^\n]*\n(?:\s*:[\w-]+:.*\n)*?"
                        r"\s*:label:\s*(?P<label>\S+)", re.M)
SECTION_LABEL = re.compile(r"^\((?P<label>[^()\s]+)\)=\s*\n+#+\s+(?P<title>.+)$", re.M)


def book_facts(root: Path, url: str) -> Book:
    """Equation numbers and section titles of the whole book, and its bibliography.

    Sphinx numbers the labelled equations of a book without section numbers with one counter
    that runs through the pages in the order of the table of contents (as the HTML book shows:
    chapter 1's are (1) and (2), chapter 2's (3) and (4), ...)."""
    import yaml

    book = Book(url=url)
    config = yaml.safe_load((root / "_config.yml").read_text()) or {}
    bibfiles = config.get("bibtex_bibfiles") or []
    book.bibfile = root / bibfiles[0] if bibfiles else None
    sphinx_config = (config.get("sphinx") or {}).get("config") or {}
    cite_id = sphinx_config.get("bibtex_cite_id")
    if not cite_id:  # the id _ext/dlsg_colab.py gives the entries
        sys.path.insert(0, str(ROOT / "_ext"))
        try:
            from dlsg_colab import CITE_ID
        finally:
            sys.path.pop(0)
        cite_id = CITE_ID
    book.cite_id = cite_id
    number = 0
    for page in toc_pages(root):
        for text in page_markdown(root, page):
            heading = re.search(r"^# (.+)$", text, re.M)
            if heading and page not in book.titles:
                book.titles[page] = heading[1].strip()
            found = [(m.start(), m["label"]) for m in EQ_LABEL.finditer(text)]
            found += [(m.start(), m["label"]) for m in MATH_LABEL.finditer(text)]
            for _, label in sorted(found):
                number += 1
                if label in book.equations:
                    raise ConversionError(f"{page}: equation label {label!r} used twice")
                book.equations[label] = number
            for m in SECTION_LABEL.finditer(text):
                book.sections[m["label"]] = m["title"].strip()
    return book


def book_url(root: Path) -> str:
    """The published book's address: html.baseurl of _config.yml, else DEFAULT_BOOK_URL."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text()) or {}
    url = ((config.get("html") or {}).get("baseurl")
           or ((config.get("sphinx") or {}).get("config") or {}).get("html_baseurl")
           or DEFAULT_BOOK_URL)
    return url.rstrip("/") + "/"


# --------------------------------------------------------------------------------------------
# Notebooks


def _source(cell) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _lines(text: str) -> list[str]:
    """A cell source as nbformat stores it on disk (a list of lines)."""
    return text.splitlines(keepends=True)


def header_line(page: str, build: dict) -> str:
    """The first line of a copy: what it is and where its numbers come from."""
    when = build.get("executed", "")[:10] or "an unknown date"
    commit = build.get("commit")
    source = f"commit {commit[:7]}" if commit else "an unknown commit"
    if build.get("tree_modified"):
        source += " with uncommitted changes"
    if build.get("cache_key_matches") is False:
        source += "; the package, its data or libraries changed since"
    return (f"*Generated from `{page}.ipynb` by `{GENERATOR}`: do not edit by hand. The "
            f"numbers the text quotes from the chapter's cells are the values of the book's "
            f"build ({when}, {source}) and say so on hover; running the notebook recomputes "
            f"them.*")


def convert_notebook(nb: dict, page: str, book: Book, glue: dict[str, str],
                     build: dict) -> tuple[dict, Page]:
    """The Colab copy of the chapter ``nb`` (a notebook as JSON) and the page's counts.

    Code cells are copied unchanged; markdown cells are converted; the first markdown cell
    starts with the generated-copy line; the metadata records the values used and the build."""
    conv = Page(book=book, page=page, glue=glue)
    out = copy.deepcopy(nb)
    for cell in out["cells"]:
        if cell["cell_type"] == "markdown":
            try:
                text = conv.blocks(_source(cell))
            except ConversionError as exc:
                raise ConversionError(f"{exc} (cell {cell.get('id', '?')})") from exc
            cell["source"] = _lines(text)
    line = header_line(page, build)
    first = out["cells"][0] if out["cells"] else None
    if first is not None and first["cell_type"] == "markdown":
        first["source"] = _lines(line + "\n\n" + _source(first))
    else:
        new = {"cell_type": "markdown", "metadata": {}, "source": _lines(line)}
        if out.get("nbformat_minor", 0) >= 5:
            new["id"] = "generated-copy-note"
        out["cells"].insert(0, new)
    out["metadata"][METADATA_KEY] = {
        "generated_by": GENERATOR,
        "source": f"{page}.ipynb",
        "book_url": book.url,
        "build": build,
        "glue": {k: glue[k] for k in sorted(conv.used_glue)},
    }
    return out, conv


def regenerate(copy_nb: dict, chapter_nb: dict, page: str, book: Book) -> dict:
    """The copy that the chapter gives with the values and build recorded in ``copy_nb``."""
    meta = copy_nb["metadata"][METADATA_KEY]
    return convert_notebook(chapter_nb, page, book, meta["glue"], meta["build"])[0]


def glue_values(executed_nb) -> dict[str, str]:
    """key -> text/plain of every value the executed notebook glued (myst-nb's ``glue``: a
    display_data output whose metadata ``scrapbook`` names the key and the mime prefix)."""
    values: dict[str, str] = {}
    for cell in executed_nb["cells"]:
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            if not meta:
                continue
            prefix = meta.get("mime_prefix", "")
            data = {k[len(prefix):]: v for k, v in output.get("data", {}).items()}
            if "text/plain" in data:
                text = data["text/plain"]
                values[meta["name"]] = "".join(text) if isinstance(text, list) else text
    return values


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                              check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()


def default_cache(root: Path) -> Path:
    """The execution-cache folder ``make book`` uses for the present state (_ext/dlsg_book.py)."""
    sys.path.insert(0, str(ROOT / "_ext"))
    try:
        from dlsg_book import execution_cache_key
    finally:
        sys.path.pop(0)
    return root / "_build" / ".jupyter_cache" / execution_cache_key(root)


def generate(root: Path = ROOT, cache_dir: Path | None = None, out_dir: Path | None = None,
             log: Callable[[str], None] = print, keep_going: bool = False) -> Counter:
    """Write every chapter's copy; return the counts of conversions by kind.

    A chapter without a run in the cache stops everything before a file is written; with
    ``keep_going`` the other chapters' copies are written first (the error still follows)."""
    import nbformat
    from jupyter_cache import get_cache

    chosen = cache_dir is not None
    cache_dir = Path(cache_dir) if chosen else default_cache(root)
    out_dir = Path(out_dir) if out_dir is not None else root / "colab"
    pages = [p for p in toc_pages(root) if (root / f"{p}.ipynb").is_file()]
    if not pages:
        raise MissingBuildError("no notebook in _toc.yml")
    if not (cache_dir / "global.db").is_file():
        others = sorted(p.name for p in cache_dir.parent.glob("*")
                        if re.fullmatch(r"[0-9a-f]{16}", p.name) and (p / "global.db").is_file())
        hint = (f" ({cache_dir.parent} holds the caches of other states of the package, data "
                f"or libraries: {', '.join(others)}; --cache FOLDER uses one anyway)"
                if others else "")
        raise MissingBuildError(
            f"no execution cache at {cache_dir}{hint}: run `make book` first, then `make colab`")
    cache = get_cache(str(cache_dir))
    book = book_facts(root, book_url(root))
    commit = _git(root, "rev-parse", "HEAD")
    status = _git(root, "status", "--porcelain", "--", "chapters", "dlsg_utils", "data",
                  "reference", "requirements.txt", "pyproject.toml", "references.bib")
    matches = chosen and cache_dir.resolve() == default_cache(root).resolve()
    totals: Counter = Counter()
    written, missing = [], []
    for page in pages:
        path = root / f"{page}.ipynb"
        nb = nbformat.read(str(path), as_version=4)
        try:
            record = cache.match_cache_notebook(nb)
        except KeyError:
            missing.append(f"{page}.ipynb")
            if keep_going:
                log(f"{page}.ipynb: no run in the cache, no copy written")
                continue
            break
        executed = cache.get_cache_bundle(record.pk).nb
        build = {
            "executed": record.created.replace(tzinfo=None).isoformat(timespec="seconds") + "Z",
            "commit": commit,
            "tree_modified": bool(status) if status is not None else None,
            "cache_key": cache_dir.name,
        }
        if chosen:
            build["cache_key_matches"] = matches
        source = json.loads(path.read_text())
        copy_nb, conv = convert_notebook(source, page, book, glue_values(executed), build)
        totals.update(conv.counts)
        target = out_dir / f"{Path(page).name}.ipynb"
        written.append((target, copy_nb))
        log(f"{target.relative_to(out_dir.parent) if out_dir.parent in target.parents else target}"
            f": {sum(conv.counts.values())} conversions, {len(conv.used_glue)} values")
    if written and (keep_going or not missing):  # by default only once every chapter converted
        out_dir.mkdir(parents=True, exist_ok=True)
        for target, copy_nb in written:
            target.write_text(json.dumps(copy_nb, indent=1, sort_keys=True, ensure_ascii=False)
                              + "\n")
        log("conversions: " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
    if missing:
        raise MissingBuildError(
            f"the execution cache {cache_dir} has no run of {', '.join(missing)} as "
            f"{'it is' if len(missing) == 1 else 'they are'} now (changed since the build, or "
            "not run by it): run `make book`, then `make colab`")
    return totals


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--root", type=Path, default=ROOT, help="the book's folder")
    p.add_argument("--cache", type=Path, default=None,
                   help="an execution-cache folder (default: the one make book uses now)")
    p.add_argument("--out", type=Path, default=None, help="where to write (default: colab/)")
    p.add_argument("--keep-going", action="store_true",
                   help="write the copies of the chapters that are in the cache even if some "
                        "are not (the exit status still says so)")
    args = p.parse_args(argv)
    try:
        generate(args.root, args.cache, args.out, keep_going=args.keep_going)
    except (MissingBuildError, ConversionError) as exc:
        print(f"colab_copies: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
