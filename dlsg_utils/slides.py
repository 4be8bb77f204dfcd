"""The 2016 slide deck the book follows, as text, and a card that shows one slide in a chapter.

The deck of the Deep Learning Study Group's session #3 (November 11, 2016) ships with the package
as the text extracted from its PDF (``dlsg_utils/data/files/slides/``, provenance in the README
beside it), so a chapter can show the slide it follows offline and on Colab:

>>> from dlsg_utils.slides import slide_card
>>> card = slide_card("Adagrad")  # the card: label, title, bullets (HTML in a notebook)
>>> card.label
'Slide 16 of the 2016 deck'
>>> card.slide.title
'Adagrad'

``slide_card("ConvNets today", frame=34)`` picks one of several slides that share a title by
its number.

The text has no page breaks, so a slide starts at a line that is one of the deck's frame titles
(:data:`FRAME_TITLES`) standing alone after a blank line. Below it come ``- `` bullets (a
sub-bullet is indented by one space; a line that follows a bullet directly continues it),
paragraphs and display equations (``$$ ... $$``), and fenced code or tab-separated tables, kept
verbatim. Many slides are *builds*, shown frame by frame with one more item each time: a frame
whose content is the beginning of the next frame's, under the same title, is a step of that
build, and only the build's last, fullest frame is kept. Slides are numbered from 1 after that.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

__all__ = ["FRAME_TITLES", "Block", "Bullet", "Slide", "SlideCard", "load_slides",
           "parse_slides", "slide_card"]

DECK_FILE = "dlsg3-gradient-descent-and-convnets.txt"
"""The deck's text, under ``dlsg_utils/data/files/slides/`` (a copy of ``shared/slides/``)."""

FRAME_TITLES: tuple[str, ...] = (
    "DLSG #3 - Gradient Descent Algos + Intro to ConvNets", "Agenda", "Housekeeping",
    "Big Schedule Review", "News", "Overview", "Gradient Descent Variants",
    "Batch Gradient Descent", "Stochastic Gradient Descent", "Mini-batch Gradient Descent",
    "Gradient Descent – Challenges", "Momentum", "Nesterov Accelerated Gradient",
    "Nesterov Momentum", "Adagrad", "RMSPProp", "RMSProp", "Adam", "Visual Demo",
    "So what should one use?", "Other improvements to consider", "ConvNets", "Hubel & Wiesel",
    "V1 physiology: orientation selectivity", "A bit of history", "LeNet", "AlexNet", "ResNet",
    "ConvNets today", "Convolution", "2D Convolution", "Convolution layer",
    "Convolutional Neural Network", "References",
)
"""The lines of the deck's text that are frame titles, spelled as the deck spells them
("RMSPProp" is the slide of the update's code, "RMSProp" the one quoting Hinton's lecture).
The extracted text sets subtitles and captions on lines of their own too, so a title cannot be
told from its shape; this list says which lines are titles."""

_NAVIGATION = set("◀◻▶≡ ")  # Beamer's navigation symbols, extracted as a line of text


@dataclass(frozen=True)
class Bullet:
    """One bullet of a slide: its text and its sub-bullets."""

    text: str
    children: tuple[Bullet, ...] = ()


@dataclass(frozen=True)
class Block:
    """A run of a slide's content: ``kind`` is ``"list"`` (``items``), ``"text"`` (a paragraph
    or a display equation, in ``text``) or ``"code"`` (code or a table, verbatim, in ``text``)."""

    kind: str
    text: str = ""
    items: tuple[Bullet, ...] = ()


@dataclass(frozen=True)
class Slide:
    """One slide: ``number`` counts from 1 in the deck (builds collapsed), ``blocks`` hold its
    content in order and ``frames`` is how many frames of the deck its build spans."""

    number: int
    title: str
    blocks: tuple[Block, ...] = ()
    frames: int = 1

    @property
    def bullets(self) -> tuple[Bullet, ...]:
        """The slide's top-level bullets, from all of its lists."""
        return tuple(b for block in self.blocks if block.kind == "list" for b in block.items)

    @property
    def text(self) -> tuple[str, ...]:
        """The slide's paragraphs and display equations (not its bullets or code)."""
        return tuple(block.text for block in self.blocks if block.kind == "text")


def _is_blank(line: str) -> bool:
    return not line.strip() or set(line) <= _NAVIGATION


def _parse_body(lines: list[str]) -> tuple[Block, ...]:
    """The blocks of one frame, from the lines below its title."""
    blocks: list[Block] = []
    bullets: list[list] = []  # [text, [sub-bullet texts]] while a list is open
    para: list[str] = []
    pre: list[str] = []
    in_code = False
    after_bullet = False  # the previous line was (the continuation of) a bullet

    def close_para():
        if para:
            blocks.append(Block("text", " ".join(para)))
            para.clear()

    def close_pre():
        if pre:
            blocks.append(Block("code", "\n".join(pre)))
            pre.clear()

    def close_list():
        if bullets:
            items = tuple(Bullet(t, tuple(Bullet(c) for c in kids)) for t, kids in bullets)
            blocks.append(Block("list", items=items))
            bullets.clear()

    for raw in lines:
        line = raw.rstrip()
        if in_code:
            if line.strip() == "```":
                in_code = False
                close_pre()
            else:
                pre.append(line)
            continue
        if line.strip() == "```":
            close_para(), close_list(), close_pre()
            in_code, after_bullet = True, False
            continue
        if _is_blank(raw):
            close_para(), close_pre()
            after_bullet = False
            continue
        if "\t" in raw:  # a row of a table
            close_para(), close_list()
            pre.append(line)
            continue
        close_pre()
        bullet = re.match(r"^( ?)-(?: (.*))?$", line)
        if bullet:
            close_para()
            text = (bullet.group(2) or "").strip()
            after_bullet = bool(text)
            if not text:  # an empty bullet (its text was lost in the extraction)
                continue
            if bullet.group(1) and bullets:
                bullets[-1][1].append(text)
            else:
                bullets.append([text, []])
        elif after_bullet and bullets:  # a line that wraps the bullet above it
            if bullets[-1][1]:
                bullets[-1][1][-1] += " " + line.strip()
            else:
                bullets[-1][0] += " " + line.strip()
        else:
            close_list()
            para.append(line.strip())
    close_para(), close_pre(), close_list()
    return tuple(blocks)


def _content(blocks: tuple[Block, ...]) -> list[str]:
    """A frame's content as a list of lines, to tell whether one frame begins another."""
    out = []
    for block in blocks:
        if block.kind == "list":
            for b in block.items:
                out += [f"- {b.text}"] + [f"  - {c.text}" for c in b.children]
        else:
            out.append(block.text)
    return out


def _is_build_step(first: tuple[Block, ...], then: tuple[Block, ...]) -> bool:
    """True when ``then`` repeats ``first`` and adds to it; ``first``'s last line may grow (a
    bullet that gains a wrapped line, an equation that gains a term before its closing $$)."""
    a, b = _content(first), _content(then)
    if not a:
        return True
    grown = b[len(a) - 1] if len(a) <= len(b) else ""
    return b[: len(a) - 1] == a[:-1] and grown.startswith(a[-1].removesuffix("$$"))


def parse_slides(text: str, titles: Iterable[str] = FRAME_TITLES) -> list[Slide]:
    """The slides of a deck's text, builds collapsed to their last frame, numbered from 1.

    A frame starts at a line equal to one of ``titles`` that follows a blank line (or opens the
    text); text before the first title is ignored. Raises ``ValueError`` when no title occurs.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    titles = set(titles)
    frames: list[tuple[str, list[str]]] = []
    previous_blank = True
    for line in text.splitlines():
        if previous_blank and line.rstrip() in titles:
            frames.append((line.rstrip(), []))
        elif frames:
            frames[-1][1].append(line)
        previous_blank = _is_blank(line)
    if not frames:
        raise ValueError(f"no frame title found in the text; expected one of {sorted(titles)}")
    slides: list[Slide] = []
    for title, lines in frames:
        blocks = _parse_body(lines)
        last = slides[-1] if slides else None
        if last and last.title == title and _is_build_step(last.blocks, blocks):
            slides[-1] = Slide(last.number, title, blocks, last.frames + 1)
        else:
            slides.append(Slide(len(slides) + 1, title, blocks))
    return slides


def deck_text() -> str:
    """The deck's text as shipped with the package (UTF-8)."""
    path = resources.files("dlsg_utils") / "data" / "files" / "slides" / DECK_FILE
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _slides() -> tuple[Slide, ...]:
    return tuple(parse_slides(deck_text()))


def load_slides() -> list[Slide]:
    """The slides of the 2016 deck, in order (``load_slides()[n - 1].number == n``)."""
    return list(_slides())


# Inline markup of the deck's text: math, <http://...> links, **strong** and *emphasis*.
_INLINE = re.compile(
    r"(?P<dmath>\$\$.+?\$\$)|(?P<math>\$[^$\n]+?\$)|<(?P<link>https?://[^>\s]+)>"
    r"|\*\*(?P<strong>[^*]+?)\*\*|(?<![\w*])\*(?P<em>[^*\s](?:[^*]*[^*\s])?)\*(?![\w*])"
)
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|&])")


def _inline_html(text: str) -> str:
    out, end = [], 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[end:m.start()]))
        if m["dmath"]:
            out.append(r"\[" + html.escape(m["dmath"][2:-2]) + r"\]")
        elif m["math"]:
            out.append(r"\(" + html.escape(m["math"][1:-1]) + r"\)")
        elif m["link"]:
            url = html.escape(m["link"])
            out.append(f'<a href="{url}">{url}</a>')
        elif m["strong"]:
            out.append(f"<strong>{html.escape(m['strong'])}</strong>")
        else:
            out.append(f"<em>{html.escape(m['em'])}</em>")
        end = m.end()
    return "".join(out) + html.escape(text[end:])


def _inline_markdown(text: str) -> str:
    out, end = [], 0
    for m in _INLINE.finditer(text):
        out.append(_MD_SPECIAL.sub(r"\\\1", text[end:m.start()]))
        out.append(m.group(0))  # math, autolinks and emphasis are Markdown already
        end = m.end()
    return "".join(out) + _MD_SPECIAL.sub(r"\\\1", text[end:])


def _bullets_html(items: tuple[Bullet, ...]) -> str:
    lis = []
    for b in items:
        kids = _bullets_html(b.children) if b.children else ""
        lis.append(f"<li>{_inline_html(b.text)}{kids}</li>")
    return "<ul>" + "".join(lis) + "</ul>"


@dataclass(frozen=True)
class SlideCard:
    """A slide shown as a card: HTML in the book and in Jupyter (styled by the book's CSS,
    class ``dlsg-slide``), Markdown in the PDF, plain text in a terminal."""

    slide: Slide

    @property
    def label(self) -> str:
        return f"Slide {self.slide.number} of the 2016 deck"

    def _repr_html_(self) -> str:
        parts = [
            f'<figure class="dlsg-slide mathjax_process">'
            f'<figcaption><span class="dlsg-slide-label">{self.label}</span> '
            f'<span class="dlsg-slide-title">{html.escape(self.slide.title)}</span></figcaption>'
        ]
        for block in self.slide.blocks:
            if block.kind == "list":
                parts.append(_bullets_html(block.items))
            elif block.kind == "code":
                parts.append(f"<pre>{html.escape(block.text)}</pre>")
            else:
                parts.append(f"<p>{_inline_html(block.text)}</p>")
        return "".join(parts) + "</figure>"

    def _repr_markdown_(self) -> str:
        lines = [f"> **{self.label}: {_inline_markdown(self.slide.title)}**"]
        for block in self.slide.blocks:
            lines.append(">")
            if block.kind == "list":
                for b in block.items:
                    lines.append(f"> - {_inline_markdown(b.text)}")
                    lines += [f">   - {_inline_markdown(c.text)}" for c in b.children]
            elif block.kind == "code":
                lines += ["> ```"] + [f"> {row}" for row in block.text.splitlines()] + ["> ```"]
            else:
                lines.append(f"> {_inline_markdown(block.text)}")
        return "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        lines = [f"{self.label}: {self.slide.title}"]
        for block in self.slide.blocks:
            if block.kind == "list":
                for b in block.items:
                    lines.append(f"  - {b.text}")
                    lines += [f"    - {c.text}" for c in b.children]
            else:
                lines += [f"  {row}" for row in block.text.splitlines()]
        return "\n".join(lines)


def slide_card(title: str, *, frame: int | None = None) -> SlideCard:
    """The card of the deck's slide titled ``title`` (spelled as on the slide).

    ``frame`` is the slide's number (``Slide.number``, the N of "Slide N of the 2016 deck"):
    it picks one of several slides that share a title ("ConvNets today", "Adam"), and must
    belong to a slide of that title. Raises ``ValueError`` for a title no slide has (naming the
    closest titles) and for a shared title without ``frame`` (naming the slides' numbers).
    """
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, got {type(title).__name__}")
    if frame is not None and (isinstance(frame, bool) or not isinstance(frame, int)):
        raise TypeError(f"frame must be an int (a slide's number), got {type(frame).__name__}")
    slides = _slides()
    matches = [s for s in slides if s.title == title]
    if not matches:
        matches = [s for s in slides if s.title.casefold() == title.strip().casefold()]
    if not matches:
        known = list(dict.fromkeys(s.title for s in slides))
        close = difflib.get_close_matches(title, known, n=3, cutoff=0.0)
        raise ValueError(f"no slide of the 2016 deck is titled {title!r}; the closest titles "
                         f"are {', '.join(repr(c) for c in close)}")
    numbers = [s.number for s in matches]
    if frame is None:
        if len(matches) > 1:
            raise ValueError(f"{len(matches)} slides are titled {title!r} (numbers "
                             f"{', '.join(map(str, numbers))}): pass frame= one of them")
        return SlideCard(matches[0])
    if frame not in numbers:
        if not 1 <= frame <= len(slides):
            raise ValueError(f"frame must be a slide number from 1 to {len(slides)}, got {frame}")
        raise ValueError(f"slide {frame} is titled {slides[frame - 1].title!r}, not {title!r}; "
                         f"slides titled {title!r}: {', '.join(map(str, numbers))}")
    return SlideCard(slides[frame - 1])
