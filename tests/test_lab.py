"""dlsg_utils.lab: the Python side of the optimizer lab and the convolution explorer.

The JavaScript itself runs in tests/browser/test_lab_in_browser.py (Chromium); here: the HTML
the functions return (script inlined, nothing fetched, one root per call, config safely
embedded), their argument checks, and the Python definitions the JavaScript is compared with.
"""

import json
import re

import numpy as np
import pytest

from dlsg_utils.functions import BEALE, quadratic
from dlsg_utils.lab import (
    CONV_CONTROLS,
    LAB_CONTROLS,
    LAB_SURFACES,
    asset,
    conv_explorer,
    lab_optimizer,
    lab_surface,
    optimizer_lab,
    ravine,
    ravine_matrix,
    reference_trajectory,
    standalone_page,
)
from dlsg_utils.optim import SGD, Adam, AdamW, Momentum, run

ASSETS = ("optimizer_lab.js", "conv_explorer.js", "lab.css")
MOUNT = re.compile(
    r'window\.(dlsgLab|dlsgConv)\.mount\(document\.getElementById\("([\w-]+)"\), (.*)\);')


def _config(obj):
    (match,) = MOUNT.findall(obj.data)
    return match[0], match[1], json.loads(match[2])


@pytest.mark.parametrize("name", ASSETS)
def test_assets_ship_with_the_package_and_fetch_nothing(name):
    text = asset(name)
    assert len(text) > 1000
    assert "</script" not in text.lower()  # would end the inline <script> early
    # no network at read time: no URLs except the SVG namespace name, no loaders
    urls = set(re.findall(r"https?://[^\s\"')]+", text))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    for loader in ("fetch(", "XMLHttpRequest", "import(", "@import", ".src =", "<img", "<link"):
        assert loader not in text, loader
    hatch = ['#" + this.id + "-hatch']  # url() only for the SVG hatch pattern
    assert re.findall(r"url\(([^)]*)", text) in ([], hatch)


def test_unknown_asset_is_refused():
    with pytest.raises(ValueError, match="name must be one of"):
        asset("../functions.py")


def test_each_call_inlines_the_script_and_mounts_its_own_root():
    a, b = optimizer_lab(), optimizer_lab()
    (kind_a, root_a, _), (kind_b, root_b, _) = _config(a), _config(b)
    assert kind_a == kind_b == "dlsgLab" and root_a != root_b
    for obj, root in [(a, root_a), (b, root_b)]:
        assert obj.data.count(f'id="{root}"') == 1
        assert asset("optimizer_lab.js") in obj.data and asset("lab.css") in obj.data
        assert "tex2jax_ignore" in obj.data  # MathJax leaves the lab's text alone
        assert "<script src" not in obj.data and "<link" not in obj.data
    c = conv_explorer()
    assert _config(c)[0] == "dlsgConv" and asset("conv_explorer.js") in c.data


def test_the_scripts_define_their_global_once_per_page():
    for name, glob in [("optimizer_lab.js", "dlsgLab"), ("conv_explorer.js", "dlsgConv")]:
        text = asset(name)
        assert f"if (window.{glob} && window.{glob}.version === VERSION) return;" in text


def test_config_is_json_that_cannot_close_the_script_element():
    obj = optimizer_lab(title="</script><script>alert(1)</script> & more")
    assert "</script><script>alert" not in obj.data
    assert _config(obj)[2]["title"] == "</script><script>alert(1)</script> & more"


def test_lab_config_carries_the_arguments():
    _, _, cfg = _config(optimizer_lab(
        "ravine", ["SGD", "momentum"], hyper={"lr": 0.019, "gamma": 0.9}, start=(-10, 1),
        steps=150, kappa=50, angle=30, controls=["kappa", "lr", "gamma", "rates"],
        bounds=((-11, 3), (-1.6, 1.6))))
    assert cfg["surface"] == "Ravine" and cfg["optimizers"] == ["SGD", "Momentum"]
    assert cfg["hyper"] == {"lr": 0.019, "gamma": 0.9}
    assert cfg["start"] == [-10.0, 1.0] and cfg["steps"] == 150
    assert cfg["kappa"] == 50 and cfg["angle"] == 30
    assert cfg["controls"] == ["kappa", "lr", "gamma", "rates"]
    assert cfg["bounds"] == [[-11, 3], [-1.6, 1.6]] and cfg["per_method_lr"] is False
    assert cfg["available"] == list(lab_surface.__globals__["OPTIMIZERS"])
    assert cfg["surfaces"] == list(LAB_SURFACES)


def test_sgd_without_a_learning_rate_gets_the_shared_default():
    assert _config(optimizer_lab("Booth", ["SGD"]))[2]["hyper"] == {"lr": 0.01}


def test_a_learning_rate_of_its_own_switches_on_per_method_sliders():
    _, _, cfg = _config(optimizer_lab("Beale", ["SGD", "Adam"],
                                      hyper={"SGD": {"lr": 3e-5}, "Adam": {"lr": 0.1}}))
    assert cfg["per_method_lr"] is True
    assert cfg["hyper"] == {"SGD": {"lr": 3e-5}, "Adam": {"lr": 0.1}}


def test_conv_config_carries_the_arguments():
    _, _, cfg = _config(conv_explorer(6, 3, 2, 1, 1, transposed=True, output_padding=1,
                                      controls=["n", "k"]))
    assert cfg == {"n": 6, "k": 3, "s": 2, "p": 1, "d": 1, "transposed": True,
                   "output_padding": 1, "interval": 700, "controls": ["n", "k"]}
    assert _config(conv_explorer())[2]["controls"] == list(CONV_CONTROLS)


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: optimizer_lab("Booth2"), ValueError, "surface must be one of Ravine, Beale"),
    (lambda: optimizer_lab(optimizers=["Adamm"]), ValueError, "optimizer must be one of SGD"),
    (lambda: optimizer_lab(optimizers="SGD"), TypeError, "optimizers must be a list"),
    (lambda: optimizer_lab(optimizers=["Adam"], available=["SGD"]), ValueError,
     r"optimizers \['Adam'\] are not in available"),
    (lambda: optimizer_lab("Beale", surfaces=["Ravine"]), ValueError, "is not in surfaces"),
    (lambda: optimizer_lab(hyper={"lrr": 0.1}), ValueError, "hyper keys must be"),
    (lambda: optimizer_lab(hyper={"lr": -1}), ValueError, "lr must be >= 0, got -1"),
    (lambda: optimizer_lab(hyper={"beta1": 1.0}), ValueError, r"beta1 must be in \[0, 1\)"),
    (lambda: optimizer_lab(hyper={"eps": 0}), ValueError, "eps must be > 0"),
    (lambda: optimizer_lab(hyper={"SGD": {"gamma": 0.9}}), ValueError, "SGD takes lr"),
    (lambda: optimizer_lab(hyper={"Adam": 0.1}), TypeError, "must be a dict"),
    (lambda: optimizer_lab(hyper={"bias_correction": "no"}), TypeError, "True or False"),
    (lambda: optimizer_lab(steps=0), ValueError, "steps must be >= 1"),
    (lambda: optimizer_lab(steps=2.5), TypeError, "steps must be an int"),
    (lambda: optimizer_lab(kappa=0.5), ValueError, "kappa must be in"),
    (lambda: optimizer_lab(angle=-30), ValueError, r"angle must be in \[0, 90\]"),
    (lambda: optimizer_lab(start=(1, 2, 3)), ValueError, "start must be a point"),
    (lambda: optimizer_lab(start=(1, np.nan)), ValueError, "must be finite"),
    (lambda: optimizer_lab(controls=["knobs"]), ValueError, "controls entries must be among"),
    (lambda: optimizer_lab(bounds=((1, 0), (0, 1))), ValueError, "bounds must be"),
    (lambda: conv_explorer(0), ValueError, "n must be >= 1"),
    (lambda: conv_explorer(13), ValueError, "n must be <= 12"),
    (lambda: conv_explorer(5, 3, output_padding=1), ValueError, "transposed convolution only"),
    (lambda: conv_explorer(transposed=1), TypeError, "True or False"),
    (lambda: conv_explorer(controls=["z"]), ValueError, "controls entries must be among"),
])
def test_bad_arguments_are_refused_with_a_message(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_every_control_name_is_known_to_the_scripts():
    lab, conv = asset("optimizer_lab.js"), asset("conv_explorer.js")
    for name in LAB_CONTROLS:
        assert f'"{name}"' in lab, name
    for name in CONV_CONTROLS:
        assert f'"{name}"' in conv, name


def test_unrotated_ravine_is_chapter_3s_quadratic():
    A = ravine_matrix(100, 0)
    assert np.array_equal(A, np.diag([1.0, 100.0]))
    surf = ravine(100, 0)
    assert np.array_equal(surf.start, [-10.0, 1.0])
    chapter3 = quadratic(np.diag([1.0, 100.0]), np.zeros(2))
    ours = reference_trajectory("Ravine", "Momentum", {"lr": 0.01, "gamma": 0.9}, steps=100)
    theirs = run(Momentum(lr=0.01, gamma=0.9), chapter3.grad, (-10.0, 1.0), 100)
    assert np.array_equal(ours, theirs)


@pytest.mark.parametrize("angle", [0, 30, 45, 90])
def test_rotated_ravine_has_eigenvalues_1_and_kappa_and_a_rotated_start(angle):
    surf = ravine(25, angle)
    np.testing.assert_allclose(np.linalg.eigvalsh(surf.hessian(surf.start)), [1, 25], rtol=1e-12)
    phi = np.radians(angle)
    R = np.array([[np.cos(phi), -np.sin(phi)], [np.sin(phi), np.cos(phi)]])
    np.testing.assert_allclose(surf.start, R @ [-10, 1], atol=1e-14)
    # the start lies on the rotated valley floor's far side: same loss for every angle
    assert surf(surf.start) == pytest.approx(0.5 * (100 + 25), rel=1e-12)


def test_lab_surface_accepts_names_dicts_and_matrices():
    assert lab_surface("beale") is BEALE
    assert lab_surface({"name": "Ravine", "kappa": 10, "angle": 30}).name == "Ravine"
    q = lab_surface({"A": [[2.0, 0.0], [0.0, 4.0]], "b": [2.0, 4.0]})
    np.testing.assert_allclose(q.minima[0], [1.0, 1.0])
    with pytest.raises(ValueError, match="surface must be one of"):
        lab_surface("Rastrigin")


def test_hyper_parameters_go_to_the_methods_that_take_them():
    hyper = {"lr": 0.1, "gamma": 0.5, "weight_decay": 0.2, "Adam": {"lr": 0.3}}
    assert repr(lab_optimizer("SGD", hyper)) == repr(SGD(lr=0.1))  # gamma is not SGD's
    assert lab_optimizer("Adam", hyper).lr == 0.3  # its own value wins
    assert lab_optimizer("AdamW", hyper).weight_decay == 0.2
    assert lab_optimizer("AdaDelta", hyper).rho == 0.95  # defaults stay
    path = reference_trajectory("Beale", "AdamW", {"lr": 0.01}, steps=20)
    np.testing.assert_array_equal(path, run(AdamW(lr=0.01), BEALE.grad, BEALE.start, 20))
    with pytest.raises(TypeError):
        lab_optimizer("SGD", {})  # SGD has no default learning rate, as in dlsg_utils.optim
    assert isinstance(lab_optimizer("adam"), Adam)


def test_reference_trajectory_of_a_diverging_run_is_silent():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = reference_trajectory("Beale", "SGD", {"lr": 0.1}, steps=50)
    assert not np.isfinite(path[-1]).all()


def test_standalone_page_is_a_whole_document_for_a_phone():
    page = standalone_page(optimizer_lab(), conv_explorer(), "<p>between</p>", title="A & B")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<title>A &amp; B</title>" in page and "<p>between</p>" in page
    assert [kind for kind, _, _ in MOUNT.findall(page)] == ["dlsgLab", "dlsgConv"]


def test_formats_without_scripts_get_a_line_saying_where_the_live_version_is():
    assert repr(optimizer_lab("Beale", ["SGD"])) == (
        "[The optimizer lab runs live in the web edition of this book and in a notebook.]")
    assert repr(conv_explorer()).startswith("[The convolution explorer runs live")
