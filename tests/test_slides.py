"""dlsg_utils.slides: the 2016 deck parsed into slides, and the card a chapter shows."""

import fnmatch
from pathlib import Path

import pytest

from dlsg_utils.slides import (
    DECK_FILE,
    FRAME_TITLES,
    Bullet,
    deck_text,
    load_slides,
    parse_slides,
    slide_card,
)

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "dlsg_utils" / "data" / "files" / "slides" / DECK_FILE
SHARED = ROOT.parent / "shared" / "slides" / DECK_FILE


def _slide(title, number=None):
    return next(s for s in load_slides() if s.title == title and number in (None, s.number))


def test_the_deck_has_55_slides_once_builds_are_collapsed_numbered_in_order():
    slides = load_slides()
    assert len(slides) == 55
    assert [s.number for s in slides] == list(range(1, 56))
    assert slides[0].title == "DLSG #3 - Gradient Descent Algos + Intro to ConvNets"
    assert slides[-1].title == "References"


def test_every_frame_title_opens_a_frame_of_the_deck():
    lines = deck_text().splitlines()
    starts = {line for prev, line in zip([""] + lines[:-1], lines, strict=True) if not prev.strip()}
    assert set(FRAME_TITLES) <= starts


def test_adagrad_slide_has_its_five_bullets_and_three_equations():
    adagrad = _slide("Adagrad")
    assert adagrad.number == 16
    assert [b.text for b in adagrad.bullets][1:] == [
        "ϵ helps to avoid division-by-zero issues (usually on the order of $1e-8$)",
        "Main benefit: no need for tuning the learning rate",
        "Main weakness: accumulation of squared gradients in the denominator",
        "Learning rate will shrink (sometimes way too much)",
    ]
    assert adagrad.bullets[0].text.startswith(r"$G_t \in \mathbb{R}^{d \times d}$")
    assert len(adagrad.text) == 3 and all(t.startswith("$$") for t in adagrad.text)


def test_momentum_slide_bullets_say_gamma_is_usually_0_9():
    assert "Momentum term γ is usually set to 0.9" in [b.text for b in _slide("Momentum").bullets]


def test_sub_bullets_nest_under_their_bullet_and_empty_bullets_are_dropped():
    review = _slide("Big Schedule Review")
    assert [b.text for b in review.bullets] == ["Introduction to Keras",
                                                "Convolutional Neural Netowrks"]
    assert [c.text for c in review.bullets[1].children] == [
        "Recurrent Neural Networks", "Neural Networks in Computer Vision",
        "Neural Networks in Natural Language Processing"]


def test_the_five_news_frames_collapse_to_the_last_one_with_its_wrapped_line():
    (news,) = [s for s in load_slides() if s.title == "News"]
    assert news.frames == 5
    assert len(news.bullets) == 5 and news.bullets[-1].text == "..."
    assert news.bullets[3].text.endswith('<number> soon|again".')  # the wrapped lines joined


def test_a_build_collapses_to_its_fullest_frame_but_a_new_slide_of_the_same_title_stays():
    text = ("Deck\n\nTopic\n\n- a\n\nTopic\n\n- a\n- b\n\nTopic\n\n- a\n- b\n - b1\n\n"
            "Topic\n\n- something else\n")
    slides = parse_slides(text, titles=["Deck", "Topic"])
    assert [(s.number, s.title, s.frames) for s in slides] == [
        (1, "Deck", 1), (2, "Topic", 3), (3, "Topic", 1)]
    assert slides[1].bullets == (Bullet("a"), Bullet("b", (Bullet("b1"),)))
    assert slides[2].bullets == (Bullet("something else"),)


def test_code_fences_are_kept_verbatim_and_a_title_inside_a_paragraph_is_not_a_frame():
    text = "Topic\n\nsee Topic\nTopic\n\n```\nx  = 1\n\ny = 2\n```\n"
    (slide,) = parse_slides(text, titles=["Topic"])
    assert [(b.kind, b.text) for b in slide.blocks] == [
        ("text", "see Topic Topic"), ("code", "x  = 1\n\ny = 2")]


def test_text_without_any_frame_title_is_refused():
    with pytest.raises(ValueError, match="no frame title"):
        parse_slides("just prose\n", titles=["Agenda"])


def test_the_card_shows_label_title_and_bullets_as_a_list():
    page = slide_card("Momentum")._repr_html_()
    assert page.startswith('<figure class="dlsg-slide')
    assert "<figcaption>" in page and "Slide 13 of the 2016 deck" in page
    assert '<span class="dlsg-slide-title">Momentum</span>' in page
    assert page.count("<li>") == 4 and "style=" not in page
    assert r"\[\theta_{t+1} = \theta_t - v_t\]" in page  # display math for MathJax


def test_the_card_escapes_the_slide_text_in_html():
    news = slide_card("News")._repr_html_()
    assert "&lt;colour&gt; in|on|with &lt;letter&gt;" in news and "<colour>" not in news
    assert '<a href="http://colorlab.us">http://colorlab.us</a>' in news
    overview = slide_card("Overview")._repr_html_()
    assert "<li>Notes, Tips &amp; Tricks</li>" in overview


def test_the_markdown_and_plain_text_fallbacks_carry_the_same_slide():
    card = slide_card("News")
    md = card._repr_markdown_()
    assert md.startswith("> **Slide 5 of the 2016 deck: News**")
    assert r"\<colour\> in\|on\|with" in md  # no raw HTML in the PDF's Markdown
    assert "<http://colorlab.us>" in md  # an autolink stays a link
    text = repr(card)
    assert text.splitlines()[0] == "Slide 5 of the 2016 deck: News"
    assert "  - Judging a Book By its Cover (<https://arxiv.org/abs/1610.09204>)" in text


def test_math_is_not_escaped_in_markdown():
    md = slide_card("Adagrad")._repr_markdown_()
    assert r"> $$\theta_{t+1,i} = \theta_{t,i} - \eta \cdot g_{t,i}$$" in md


def test_a_wrong_title_raises_and_names_the_closest_titles():
    with pytest.raises(ValueError, match=r"titled 'Adagard'.*'Adagrad'"):
        slide_card("Adagard")


def test_a_shared_title_needs_the_slide_number_and_the_number_must_match_the_title():
    with pytest.raises(ValueError, match=r"2 slides are titled 'Adam' \(numbers 19, 20\)"):
        slide_card("Adam")
    assert slide_card("Adam", frame=20).slide.number == 20
    assert "Adam update" in repr(slide_card("Adam", frame=20))
    with pytest.raises(ValueError, match="slide 16 is titled 'Adagrad', not 'Adam'"):
        slide_card("Adam", frame=16)
    with pytest.raises(ValueError, match="from 1 to 55, got 99"):
        slide_card("Adam", frame=99)
    with pytest.raises(TypeError, match="frame must be an int"):
        slide_card("Adam", frame="20")


def test_titles_match_case_insensitively_when_no_exact_title_exists():
    assert slide_card("visual demo").slide.title == "Visual Demo"


def test_the_package_data_patterns_ship_the_deck():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["dlsg_utils"]
    relative = SHIPPED.relative_to(ROOT / "dlsg_utils").as_posix()
    assert any(fnmatch.fnmatch(relative, p) for p in patterns), patterns


@pytest.mark.skipif(not SHARED.is_file(), reason="../shared/slides is absent")
def test_the_shipped_deck_is_a_byte_for_byte_copy_of_the_shared_one():
    assert SHIPPED.read_bytes() == SHARED.read_bytes()
