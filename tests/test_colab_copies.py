"""The Colab copies of the chapters (colab/NN_*.ipynb, written by tools/colab_copies.py):
one per chapter, in step with it, without raw MyST; and the converter's rule for each kind of
MyST the chapters use. The launch buttons of _ext/dlsg_colab.py open the copies."""

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


cc = _load("colab_copies", ROOT / "tools" / "colab_copies.py")
ext = _load("dlsg_colab", ROOT / "_ext" / "dlsg_colab.py")

PAGES = [p for p in cc.toc_pages(ROOT) if (ROOT / f"{p}.ipynb").is_file()]
REDO = "run `make book && make colab`"


def _copy_path(page):
    return ROOT / "colab" / f"{Path(page).name}.ipynb"


def _read(path):
    return json.loads(path.read_text())


def _copy(page):
    path = _copy_path(page)
    if not path.is_file():
        pytest.fail(f"no Colab copy {path.relative_to(ROOT)} of {page}.ipynb: {REDO}")
    return _read(path)


def _markdown(nb):
    return [cc._source(c) for c in nb["cells"] if c["cell_type"] == "markdown"]


@pytest.fixture(scope="module")
def book():
    return cc.book_facts(ROOT, cc.book_url(ROOT))


# --- the copies ------------------------------------------------------------------------------


def test_every_chapter_of_the_toc_has_a_colab_copy():
    assert PAGES, "no notebook in _toc.yml"
    missing = [p for p in PAGES if not _copy_path(p).is_file()]
    assert missing == [], f"no Colab copy of {missing}: {REDO}"


def test_the_colab_folder_holds_only_copies_of_chapters_of_the_toc():
    names = {f"{Path(p).name}.ipynb" for p in PAGES}
    extra = sorted(f.name for f in (ROOT / "colab").glob("*.ipynb") if f.name not in names)
    assert extra == [], f"copies of chapters that are not in _toc.yml: {extra} ({REDO})"


@pytest.mark.parametrize("page", PAGES)
def test_code_cells_are_the_chapters_code_cells_byte_for_byte(page):
    chapter = [c for c in _read(ROOT / f"{page}.ipynb")["cells"] if c["cell_type"] == "code"]
    copy = [c for c in _copy(page)["cells"] if c["cell_type"] == "code"]
    assert copy == chapter, f"the code cells of colab/ differ from {page}.ipynb: {REDO}"


@pytest.mark.parametrize("page", PAGES)
def test_copy_is_what_the_chapter_gives_with_the_values_recorded_in_it(page, book):
    copy = _copy(page)
    try:
        again = cc.regenerate(copy, _read(ROOT / f"{page}.ipynb"), page, book)
    except cc.MissingBuildError as exc:
        pytest.fail(f"{exc}; the chapter quotes a value its copy lacks: {REDO}")
    if again != copy:
        changed = [i for i, (a, b) in enumerate(zip(again["cells"], copy["cells"], strict=False))
                   if a != b]
        pytest.fail(f"colab/{Path(page).name}.ipynb is out of date with {page}.ipynb (cells "
                    f"{changed[:5]}, {len(again['cells'])} vs {len(copy['cells'])} cells): {REDO}")


RAW_MYST = {
    "a role": re.compile(r"\{(cite|glue|py:|eq|numref|ref|doc|math|term)[\w:]*\}`"),
    "an equation label": re.compile(r"\$\$\s*\(eq-|^\(eq-", re.M),
    "a directive": re.compile(r"^\s*(`{3,}|:{3,})\s*\{", re.M),
    "a directive option": re.compile(r"^\s*:(class|name|label):", re.M),
    "a target": re.compile(r"^\([\w-]+\)=\s*$", re.M),
}


@pytest.mark.parametrize("page", PAGES)
def test_no_raw_myst_remains_in_the_copy(page):
    found = [(what, m.group(0)) for text in _markdown(_copy(page))
             for what, pattern in RAW_MYST.items() for m in pattern.finditer(text)]
    assert found == []


@pytest.mark.parametrize("page", PAGES)
def test_every_value_the_chapter_quotes_has_a_value_in_its_copy(page):
    quoted = set()
    for text in _markdown(_read(ROOT / f"{page}.ipynb")):
        for m in cc.ROLE.finditer(text):
            if m["name"].startswith("glue"):
                key = m["body"].rsplit(":", 1)[0] if m["name"] == "glue:text" else m["body"]
                quoted.add(key.strip())
    recorded = _copy(page)["metadata"][cc.METADATA_KEY]["glue"]
    assert sorted(quoted - set(recorded)) == [], REDO


@pytest.mark.parametrize("page", PAGES)
def test_copy_says_first_that_it_is_generated_and_records_its_build(page):
    copy = _copy(page)
    first = next(c for c in copy["cells"] if c["cell_type"] == "markdown")
    assert cc._source(first).startswith(f"*Generated from `{page}.ipynb` by `{cc.GENERATOR}`")
    meta = copy["metadata"][cc.METADATA_KEY]
    assert meta["source"] == f"{page}.ipynb"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["build"]["executed"])
    assert "commit" in meta["build"] and "cache_key" in meta["build"]


@pytest.mark.parametrize("page", PAGES)
def test_copy_is_a_valid_notebook(page):
    import nbformat

    _copy(page)
    nbformat.validate(nbformat.read(str(_copy_path(page)), as_version=4))


def test_default_book_url_is_the_pages_site_of_the_configured_repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    org, repo = config["repository"]["url"].rstrip("/").split("/")[-2:]
    assert cc.DEFAULT_BOOK_URL == f"https://{org.lower()}.github.io/{repo}/"


# --- the converter, on small strings ---------------------------------------------------------

BIB = """
@article{kingma2014adam,
  author = {Kingma, Diederik P. and Ba, Jimmy},
  title = {Adam: A Method for Stochastic Optimization},
  journal = {arXiv preprint arXiv:1412.6980},
  year = {2014}
}
@misc{karpathy2016cs231n,
  author = {Karpathy, Andrej and Johnson, Justin and Li, Fei-Fei},
  title = {{CS231n}: Convolutional Neural Networks for Visual Recognition},
  howpublished = {Course notes},
  year = {2016}
}
@inproceedings{dozat2016incorporating,
  author = {Dozat, Timothy},
  title = {Incorporating {Nesterov} Momentum into {Adam}},
  booktitle = {ICLR 2016 Workshop Track},
  year = {2016}
}
"""
URL = "https://example.org/book/"
BIBLIO = URL + "bibliography.html"
GLUE = {"ratio": "1.9479703781950914", "count": "12345", "share": "0.4567", "tiny": "1e-05",
        "small": "0.0001", "steps": "7", "verdict": "'not *distinguishable* | $5 & <b>'"}


@pytest.fixture
def page(tmp_path):
    bib = tmp_path / "references.bib"
    bib.write_text(BIB)
    book = cc.Book(url=URL, equations={"eq-ch04-adam": 17}, sections={"sec-adam": "Adam"},
                   titles={"chapters/00_before": "Before you start", "api": "The API"},
                   bibfile=bib)
    return cc.Page(book=book, page="chapters/04_adaptive", glue=dict(GLUE))


def test_a_citation_is_author_year_in_brackets_linked_to_its_bibliography_entry(page):
    out = page.blocks("as {cite}`kingma2014adam` showed")
    assert out == ("as \\[[Kingma and Ba, 2014](" + BIBLIO + "#cite-kingma2014adam \"Diederik P. "
                   "Kingma and Jimmy Ba. Adam: a method for stochastic optimization. arXiv "
                   "preprint arXiv:1412.6980, 2014.\")\\] showed")


def test_a_textual_citation_links_the_year_after_the_names(page):
    out = page.blocks("{cite:t}`kingma2014adam`")
    assert out.startswith("Kingma and Ba \\[[2014](" + BIBLIO + "#cite-kingma2014adam ")


def test_three_authors_are_first_author_et_al_unless_the_role_asks_for_all(page):
    assert page.blocks("{cite}`karpathy2016cs231n`").startswith("\\[[Karpathy *et al.*, 2016](")
    assert page.blocks("{cite:ps}`karpathy2016cs231n`").startswith(
        "\\[[Karpathy, Johnson, and Li, 2016](")


def test_several_keys_are_listed_in_the_bibliographys_order_in_one_bracket(page):
    out = page.blocks("{cite}`kingma2014adam, dozat2016incorporating`")
    texts = re.findall(r"\[([^\[\]]+)\]\(", out)
    assert texts == ["Dozat, 2016", "Kingma and Ba, 2014"]
    assert out.startswith("\\[") and out.endswith("\\]")


def test_an_unknown_citation_key_is_an_error_naming_the_page(page):
    with pytest.raises(cc.ConversionError, match="chapters/04_adaptive.*nobody2020"):
        page.blocks("{cite}`nobody2020`")


@pytest.mark.parametrize(("role", "expected"), [
    ("{py:func}`~dlsg_utils.stats.verdict`",
     f"[`verdict()`]({URL}api.html#dlsg_utils.stats.verdict)"),
    ("{py:func}`dlsg_utils.stats.verdict`",
     f"[`dlsg_utils.stats.verdict()`]({URL}api.html#dlsg_utils.stats.verdict)"),
    ("{py:class}`~dlsg_utils.optim.Adam`", f"[`Adam`]({URL}api.html#dlsg_utils.optim.Adam)"),
    ("{py:mod}`dlsg_utils.stats`", f"[`dlsg_utils.stats`]({URL}api.html#module-dlsg_utils.stats)"),
    ("{py:func}`the verdict <dlsg_utils.stats.verdict>`",
     f"[`the verdict`]({URL}api.html#dlsg_utils.stats.verdict)"),
])
def test_api_roles_are_code_linked_to_the_api_pages_autodoc_anchor(page, role, expected):
    assert page.blocks(role) == expected


def test_an_api_role_outside_the_package_is_an_error(page):
    with pytest.raises(cc.ConversionError, match="dlsg_utils"):
        page.blocks("{py:func}`numpy.mean`")


@pytest.mark.parametrize(("role", "shown"), [
    ("{glue:text}`ratio:.1f`", "1.9"),
    ("{glue:text}`count:,d`", "12,345"),
    ("{glue:text}`share:.0%`", "46%"),
    ("{glue:text}`tiny:g`", "1e-05"),
    ("{glue:text}`small:g`", "0.0001"),
    ("{glue:text}`steps:.1f`", "7.0"),
    ("{glue:text}`ratio`", "1.9479703781950914"),
    ("{glue:text}`verdict`", "not \\*distinguishable\\* \\| \\$5 \\& \\<b\\>"),
])
def test_a_glued_value_is_the_builds_value_formatted_and_marked(page, role, shown):
    assert page.blocks(f"gave {role} times") == (
        f'gave <abbr title="{cc.GLUE_NOTE}">{shown}</abbr> times')


def test_a_value_missing_from_the_build_says_to_run_make_book(page):
    with pytest.raises(cc.MissingBuildError, match="make book"):
        page.blocks("{glue:text}`nowhere:.2f`")


def test_roles_inside_code_spans_and_code_blocks_stay_as_written(page):
    text = "write ``{glue:text}`x` `` or `{cite}`\n\n```python\n{cite}`kingma2014adam`\n```"
    assert page.blocks(text) == text


def test_a_labelled_equation_gets_the_books_number_as_a_tag_and_eq_roles_that_number(page):
    text = "$$m_t = \\beta_1 m_{t-1}\n  + g_t .$$ (eq-ch04-adam)\n\nby {eq}`eq-ch04-adam`"
    assert page.blocks(text) == ("$$m_t = \\beta_1 m_{t-1}\n  + g_t . \\tag{17}$$\n\n"
                                 "by (17)")
    assert page.counts["equation label"] == 1 and page.counts["eq reference"] == 1


def test_numref_and_ref_become_plain_text_with_the_targets_number_or_title(page):
    assert page.blocks("{numref}`eq-ch04-adam`") == "(17)"
    assert page.blocks("{numref}`Equation {number} <eq-ch04-adam>`") == "Equation 17"
    assert page.blocks("see {ref}`sec-adam`") == "see Adam"
    assert page.blocks("see {ref}`this section <sec-adam>`") == "see this section"
    with pytest.raises(cc.ConversionError, match="not numbered"):
        page.blocks("{numref}`sec-adam`")
    with pytest.raises(cc.ConversionError, match="fig-nowhere"):
        page.blocks("{ref}`fig-nowhere`")


def test_a_dropdown_admonition_becomes_details_with_its_title_as_summary(page):
    text = (":::{admonition} Deeper: why {cite}`kingma2014adam`\n:class: dropdown\n\n"
            "The proof.\n\n```python\nx = 1\n```\n:::\n\nAfter.")
    out = page.blocks(text)
    assert out.startswith("<details>\n<summary><b>Deeper: why \\[[Kingma and Ba, 2014](")
    assert out.endswith("</summary>\n\nThe proof.\n\n```python\nx = 1\n```\n\n</details>\n\nAfter.")


def test_an_admonition_becomes_a_block_quote_with_a_bold_title(page):
    out = page.blocks(":::{admonition} Predict first\nWhich is faster?\n\nWhy?\n:::")
    assert out == "> **Predict first**\n>\n> Which is faster?\n>\n> Why?"
    out = page.blocks("```{note}\nGlued: {glue:text}`steps:d`.\n```")
    assert out == f'> **Note**\n>\n> Glued: <abbr title="{cc.GLUE_NOTE}">7</abbr>.'


def test_relative_links_lead_to_the_published_book(page):
    out = page.blocks("[API\nreference](../api.md), [ch. 2](02_sgd.ipynb#why), [below](#adam)")
    assert out == (f"[API\nreference]({URL}api.html), [ch. 2]({URL}chapters/02_sgd.html#why), "
                   f"[below]({URL}chapters/04_adaptive.html#adam)")
    assert page.blocks("[PyTorch](https://pytorch.org)") == "[PyTorch](https://pytorch.org)"
    with pytest.raises(cc.ConversionError, match="not a page of the book"):
        page.blocks("[data](../data/x.csv)")


def test_a_doc_role_links_the_published_page_with_its_title_or_the_roles_text(page):
    assert page.blocks("see {doc}`00_before`") == f"see [Before you start]({URL}chapters/00_before.html)"
    assert page.blocks("{doc}`the API </api>`") == f"[the API]({URL}api.html)"
    with pytest.raises(cc.ConversionError, match="not a page of the book"):
        page.blocks("{doc}`99_nowhere`")


def test_myst_without_a_plain_form_is_an_error_not_raw_text(page):
    with pytest.raises(cc.ConversionError, match="role"):
        page.blocks("{abbr}`CNN (convolutional network)`")
    with pytest.raises(cc.ConversionError, match="directive"):
        page.blocks("```{figure} x.png\nA figure.\n```")
    with pytest.raises(cc.ConversionError, match="chapters/04_adaptive.*never closed"):
        page.blocks(":::{admonition} Deeper\n:class: dropdown\nText.")


def test_equations_are_numbered_through_the_book_in_toc_order(tmp_path):
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n  - file: chapters/01_a\n  - file: chapters/02_b\n")
    (tmp_path / "_config.yml").write_text("title: t\n")
    (tmp_path / "intro.md").write_text("# Intro\n\n$$x$$ (eq-intro)\n")
    (tmp_path / "chapters").mkdir()
    for name, labels in (("01_a", ["eq-a1", "eq-a2"]), ("02_b", ["eq-b1"])):
        cells = [{"cell_type": "markdown", "metadata": {},
                  "source": "\n\n".join(f"$$y$$ ({label})" for label in labels) + "\n\n$$z$$"}]
        (tmp_path / "chapters" / f"{name}.ipynb").write_text(json.dumps({"cells": cells}))
    book = cc.book_facts(tmp_path, URL)
    assert book.equations == {"eq-intro": 1, "eq-a1": 2, "eq-a2": 3, "eq-b1": 4}
    assert book.titles["intro"] == "Intro"


# --- generating, from an execution cache -----------------------------------------------------


def _tiny_book(root):
    (root / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n"
                                   "  - file: chapters/01_a\n")
    (root / "_config.yml").write_text("title: t\nbibtex_bibfiles: [references.bib]\n")
    (root / "references.bib").write_text(BIB)
    (root / "intro.md").write_text("# Intro\n")
    (root / "chapters").mkdir()
    chapter = {
        "cells": [
            {"cell_type": "markdown", "id": "m1", "metadata": {},
             "source": ["# A\n", "\n", "Adam {cite}`kingma2014adam` gave {glue:text}`loss:.2f`."]},
            {"cell_type": "code", "id": "c1", "metadata": {"tags": ["hide-cell"]},
             "execution_count": None, "outputs": [], "source": ["glue('loss', 0.1234)"]},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                    "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path = root / "chapters" / "01_a.ipynb"
    path.write_text(json.dumps(chapter, indent=1))
    return path


def test_generate_writes_a_copy_with_the_values_of_the_cached_run(tmp_path):
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    path = _tiny_book(tmp_path)
    cache = get_cache(str(tmp_path / "cache"))
    executed = nbformat.read(str(path), as_version=4)
    executed.cells[1].outputs = [nbformat.v4.new_output(
        "display_data", data={"application/papermill.record/text/plain": "0.1234"},
        metadata={"scrapbook": {"name": "loss", "mime_prefix": "application/papermill.record/"}})]
    uri = cache.add_nb_to_project(str(path)).uri
    cache.cache_notebook_bundle(CacheBundleIn(executed, uri), check_validity=False)

    counts = cc.generate(tmp_path, tmp_path / "cache", tmp_path / "colab", log=lambda s: None)
    assert counts == {"cite": 1, "glue": 1}
    copy = _read(tmp_path / "colab" / "01_a.ipynb")
    assert copy["cells"][1] == json.loads(path.read_text())["cells"][1]
    text = cc._source(copy["cells"][0])
    assert text.startswith("*Generated from `chapters/01_a.ipynb`")
    assert f'gave <abbr title="{cc.GLUE_NOTE}">0.12</abbr>.' in text
    assert copy["metadata"][cc.METADATA_KEY]["glue"] == {"loss": "0.1234"}
    book = cc.book_facts(tmp_path, cc.book_url(tmp_path))
    assert cc.regenerate(copy, json.loads(path.read_text()), "chapters/01_a", book) == copy
    edited = json.loads(path.read_text())
    edited["cells"][0]["source"][-1] += " A sentence added later."
    assert cc.regenerate(copy, edited, "chapters/01_a", book) != copy


def test_a_chapter_missing_from_the_cache_stops_generation_naming_make_book(tmp_path, capsys):
    from jupyter_cache import get_cache

    _tiny_book(tmp_path)
    get_cache(str(tmp_path / "cache")).list_cache_records()  # an empty cache
    argv = ["--root", str(tmp_path), "--cache", str(tmp_path / "cache"),
            "--out", str(tmp_path / "colab")]
    assert cc.main(argv) == 1
    err = capsys.readouterr().err
    assert "no run of chapters/01_a.ipynb" in err and "make book" in err
    assert not (tmp_path / "colab").exists()
    assert cc.main([*argv[:2], "--cache", str(tmp_path / "none"), *argv[4:]]) == 1
    assert "no execution cache" in capsys.readouterr().err


# --- the launch buttons ----------------------------------------------------------------------


def _context(pagename, repo_path):
    url = ("https://colab.research.google.com/github/dlsg/gradient-descent-and-convnets/blob/"
           f"main/{repo_path}")
    launch = {"type": "group", "label": "launch-buttons",
              "buttons": [{"type": "link", "text": "Colab", "url": url}]}
    return {"pagename": pagename, "header_buttons": [{"label": "download-buttons"}, launch]}


def _app(tmp_path, suffix):
    return SimpleNamespace(srcdir=str(tmp_path),
                           env=SimpleNamespace(doc2path=lambda name: str(tmp_path / name) + suffix))


def test_a_chapters_colab_button_opens_its_copy(tmp_path):
    (tmp_path / "colab").mkdir()
    (tmp_path / "colab" / "04_x.ipynb").write_text("{}")
    context = _context("chapters/04_x", "chapters/04_x.ipynb")
    ext.redirect_launch_buttons(_app(tmp_path, ".ipynb"), "chapters/04_x", "page.html", context,
                                None)
    assert context["header_buttons"][1]["buttons"][0]["url"].endswith("/blob/main/colab/04_x.ipynb")


def test_a_chapter_without_a_copy_keeps_its_own_link(tmp_path):
    context = _context("chapters/04_x", "chapters/04_x.ipynb")
    ext.redirect_launch_buttons(_app(tmp_path, ".ipynb"), "chapters/04_x", "page.html", context,
                                None)
    assert context["header_buttons"][1]["buttons"][0]["url"].endswith("/main/chapters/04_x.ipynb")


@pytest.mark.parametrize(("pagename", "suffix"), [("about", ".md"), ("intro", ".md"),
                                                  ("api", ".md"), ("bibliography", ".md")])
def test_pages_that_are_not_chapter_notebooks_have_no_launch_buttons(tmp_path, pagename, suffix):
    context = _context(pagename, f"{pagename}{suffix}")
    ext.redirect_launch_buttons(_app(tmp_path, suffix), pagename, "page.html", context, None)
    assert [b["label"] for b in context["header_buttons"]] == ["download-buttons"]


def test_bibliography_entries_get_stable_ids_unless_the_config_sets_some():
    config = SimpleNamespace(bibtex_cite_id="")
    ext._stable_citation_ids(None, config)
    assert config.bibtex_cite_id == ext.CITE_ID == "cite-{key}"
    config = SimpleNamespace(bibtex_cite_id="ref-{key}")
    ext._stable_citation_ids(None, config)
    assert config.bibtex_cite_id == "ref-{key}"
