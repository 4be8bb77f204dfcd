"""The README's commands work on a first run: every `.venv/bin` program it names is installed,
every `make` target it names exists, its command for running one chapter runs one (in smoke
mode), and the Makefile does what the README says of `make lab` and of the PDF link."""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
CHEAPEST_CHAPTER = "chapters/01_gradient_descent.ipynb"  # about 7 s in smoke mode
ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")


def _bash_blocks(text: str) -> list[str]:
    """The contents of the fenced ```bash blocks, indented ones (in list items) included."""
    return [textwrap.dedent(m.group(2)) for m in
            re.finditer(r"^([ \t]*)```bash\n(.*?)^\1```", text, flags=re.M | re.S)]


def _commands() -> list[str]:
    """Every command line of the README's bash blocks, its comment removed."""
    lines = []
    for block in _bash_blocks(README):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def _words(line: str) -> tuple[dict[str, str], list[str]]:
    """The leading VAR=value assignments of a command line, and its words after them."""
    words = shlex.split(line)
    env = {}
    while words and ASSIGNMENT.match(words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    return env, words


def _makefile_targets() -> set[str]:
    targets = set()
    for m in re.finditer(r"^([A-Za-z0-9_.%-][A-Za-z0-9_. %-]*):(?!=)", MAKEFILE, flags=re.M):
        targets.update(m.group(1).split())
    for m in re.finditer(r"^\.PHONY:(.*)$", MAKEFILE, flags=re.M):
        targets.update(m.group(1).split())
    return targets


def test_the_readme_has_commands_to_check():
    commands = _commands()
    assert any(_words(c)[1][:1] == ["make"] for c in commands)
    assert any(".venv/bin/" in c for c in commands)


def test_every_venv_program_the_readme_runs_is_installed():
    """`.venv/bin/X` exists after `make test`/`make book`; `.venv/bin/jupyter SUB` needs
    `.venv/bin/jupyter-SUB` (how Jupyter finds a subcommand); `-m module` must be importable."""
    missing = []
    for line in _commands():
        _, words = _words(line)
        for i, word in enumerate(words):
            if not word.startswith(".venv/bin/"):
                continue
            program = ROOT / word
            if not os.access(program, os.X_OK):
                missing.append(f"{line}: no {word}")
                continue
            rest = words[i + 1:]
            if program.name == "jupyter" and rest and not rest[0].startswith("-"):
                sub = program.with_name(f"jupyter-{rest[0]}")
                if not os.access(sub, os.X_OK):
                    missing.append(f"{line}: no {sub.relative_to(ROOT)} (jupyter {rest[0]})")
            if program.name.startswith("python") and rest[:1] == ["-m"]:
                module = rest[1]
                found = subprocess.run([str(program), "-c",
                                        f"import importlib.util as u, sys; "
                                        f"sys.exit(u.find_spec({module!r}) is None)"],
                                       cwd=ROOT, capture_output=True)
                if found.returncode:
                    missing.append(f"{line}: no module {module}")
    assert missing == []


def test_every_make_target_the_readme_names_exists():
    """In the bash blocks and in the prose's `make X` spans alike."""
    targets = _makefile_targets()
    named = set()
    for line in _commands():
        _, words = _words(line)
        if words[:1] == ["make"]:
            named.update(w for w in words[1:] if not w.startswith("-") and "=" not in w)
    named.update(re.findall(r"`make ([a-z][a-z0-9-]*)", README))
    assert {"book", "test", "pdf", "lab"} <= named
    assert sorted(named - targets) == []


def test_the_readme_command_for_one_chapter_runs_it_and_writes_the_executed_notebook(tmp_path):
    """The README's smoke-mode command, on the cheapest chapter, offline; the executed copy
    lands where --output says, with every code cell run, and chapters/ gains no file."""
    smoke = [c for c in _commands() if "jupyter execute" in c and "DLSG_SMOKE=1" in c]
    assert smoke, "the README shows no smoke-mode `jupyter execute` command"
    env, words = _words(smoke[0])
    notebooks = [i for i, w in enumerate(words) if w.endswith(".ipynb")]
    outputs = [i for i, w in enumerate(words) if w.startswith("--output=")]
    assert len(notebooks) == 1 and len(outputs) == 1, words
    words[notebooks[0]] = CHEAPEST_CHAPTER
    words[outputs[0]] = f"--output={tmp_path / 'ch01'}"
    env = {**os.environ, **env, "DLSG_SMOKE": "1", "DLSG_OFFLINE": "1", "MPLBACKEND": "Agg",
           "OMP_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    before = sorted(p.name for p in (ROOT / "chapters").iterdir())
    nice = ["nice", "-n", "10"] if shutil.which("nice") else []
    done = subprocess.run(nice + words, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    executed = json.loads((tmp_path / "ch01.ipynb").read_text())
    code = [c for c in executed["cells"] if c["cell_type"] == "code"]
    assert code and all(c["execution_count"] for c in code)
    assert any(c["outputs"] for c in code)
    assert sorted(p.name for p in (ROOT / "chapters").iterdir()) == before


def _makefile_copy(tmp_path: Path) -> Path:
    """A folder with the Makefile and an up-to-date .venv stamp, so `make -n` plans only the
    target's own recipe."""
    work = tmp_path / "clone"
    work.mkdir()
    shutil.copy(ROOT / "Makefile", work / "Makefile")
    for name in ("requirements.txt", "pyproject.toml"):
        (work / name).write_text("")
    (work / ".venv" / "bin").mkdir(parents=True)
    os.utime(work / "pyproject.toml", (1, 1))
    os.utime(work / "requirements.txt", (1, 1))
    (work / ".venv" / ".installed").write_text("")
    (work / ".venv" / "bin" / "jupyter-lab").write_text("")
    (work / ".venv" / "bin" / "jupyter-lab").chmod(0o755)
    return work


@pytest.mark.skipif(shutil.which("make") is None or sys.platform == "win32",
                    reason="needs GNU make and a POSIX shell")
@pytest.mark.parametrize("uid, root", [("0", True), ("1000", False)])
def test_make_lab_allows_root_only_when_it_runs_as_root(tmp_path, uid, root):
    """JupyterLab refuses to start as root without --allow-root (containers, cloud VMs)."""
    work = _makefile_copy(tmp_path)
    fake = tmp_path / "fakebin"
    fake.mkdir()
    (fake / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (fake / "id").chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}
    plan = subprocess.run(["make", "-n", "lab"], cwd=work, env=env, capture_output=True,
                          text=True, check=True).stdout
    lab = [line for line in plan.splitlines() if "jupyter lab" in line]
    assert len(lab) == 1, plan
    assert ("--allow-root" in lab[0]) == root, lab[0]


def _pdf_link(html: str) -> str:
    links = re.findall(r'<a href="([^"]*)">PDF edition</a>', html)
    assert len(links) == 1, links
    return links[0]


@pytest.mark.skipif(shutil.which("make") is None or sys.platform == "win32",
                    reason="needs GNU make and a POSIX shell")
def test_make_book_points_the_pdf_link_at_the_pdf_or_at_how_to_build_it(tmp_path):
    """`make book` alone has no PDF to link to: the intro's "PDF edition" link then leads to
    the README's section on `make pdf`; once `make pdf` has built the PDF, to a copy of it next
    to the pages. The step is the one both `book` and `pdf` run after their build."""
    assert re.search(r"^book:.*\n(\t.*\n)*\t\$\(link_pdf\)$", MAKEFILE, flags=re.M)
    assert re.search(r"^pdf:.*\n(\t.*\n)*\t\$\(link_pdf\)$", MAKEFILE, flags=re.M)
    intro = (ROOT / "intro.md").read_text(encoding="utf-8")
    assert _pdf_link(intro) == "book.pdf"
    work = _makefile_copy(tmp_path)
    html = work / "_build" / "html"
    html.mkdir(parents=True)
    (html / "intro.html").write_text(f"<li>{intro}</li>")

    def link_step() -> str:
        subprocess.run(["make", "-s", "--eval", "link-pdf: ; $(link_pdf)", "link-pdf"],
                       cwd=work, check=True, capture_output=True)
        return _pdf_link((html / "intro.html").read_text())

    howto = link_step()
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    assert howto.startswith(repository) and not (html / "book.pdf").exists()
    section = howto.split("#", 1)[1]  # GitHub's anchor of the README heading
    headings = re.findall(r"^#+ (.+)$", README, flags=re.M)
    assert section in [re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
                       for h in headings]
    assert "make pdf" in README.split("### The PDF edition", 1)[1][:400]

    (work / "_build" / "latex").mkdir()
    (work / "_build" / "latex" / "book.pdf").write_bytes(b"%PDF-1.5 a stand-in")
    assert link_step() == "book.pdf"
    assert (html / "book.pdf").read_bytes() == b"%PDF-1.5 a stand-in"
    assert link_step() == "book.pdf"  # the step can run again (make pdf after make book)
