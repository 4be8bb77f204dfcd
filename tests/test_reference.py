"""The reference runs' machinery: resumable training, manifests, safe loading, the lr choice,
and the shipped runs themselves (each re-evaluated against its manifest)."""

import json
import math

import pytest
import torch
from local_mirror import serve

from dlsg_utils.data import ChecksumError, load_cifar10
from dlsg_utils.reference import (
    RUNS,
    Images,
    accuracy,
    build,
    channel_stats,
    cifar10_uint8,
    load_model,
    manifest,
    read_log,
    read_steps,
    runs,
    store,
    train_reference_run,
    verify,
)
from dlsg_utils.reference.__main__ import main
from dlsg_utils.reference.nets import shrink
from dlsg_utils.reference.results import choose_lr, epochs_to

SHIPPED = sorted(q.parent.name for q in store.runs_root().glob("*/manifest.json"))


def _synthetic(n_train=192, n_test=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randint(0, 256, (n_train + n_test, 3, 32, 32), dtype=torch.uint8, generator=g)
    y = torch.randint(0, 10, (n_train + n_test,), generator=g)
    X[y == 1, 0] = 255  # something to learn: class 1 is red
    return (Images(X[:n_train], y[:n_train], "synthetic", "0" * 64),
            Images(X[n_train:], y[n_train:], "synthetic", "0" * 64))


def _tiny(**changes):
    base = RUNS["r1-resnet20"].with_(name="tiny", model_kw={"depth": 8, "width": 4}, epochs=3,
                                     batch_size=64)
    return base.with_(**changes)


def _weights(model):
    return [v for v in model.state_dict().values()]


def test_a_run_stopped_after_each_epoch_and_resumed_ends_exactly_like_an_uninterrupted_one(
        tmp_path):
    train, test = _synthetic()
    spec = _tiny()
    straight = train_reference_run(spec, tmp_path / "a", train, test, progress=False)
    for _ in range(3):  # one epoch per call, as if the session ended after each
        resumed = train_reference_run(spec, tmp_path / "b", train, test, progress=False, max_epochs=1)
    assert not (resumed / store.CHECKPOINT).exists(), "a finished run keeps no checkpoint"
    a, b = load_model("tiny", tmp_path / "a"), load_model("tiny", tmp_path / "b")
    assert all(torch.equal(p, q) for p, q in zip(_weights(a), _weights(b), strict=True))
    assert read_log("tiny", tmp_path / "a")["test_err"] == read_log("tiny", tmp_path / "b")["test_err"]
    assert read_steps("tiny", tmp_path / "a") == read_steps("tiny", tmp_path / "b")
    sessions = manifest("tiny", tmp_path / "b")["sessions"]
    assert [s["from_epoch"] for s in sessions] == [0, 1, 2]
    assert straight.name == "tiny"


def test_an_interrupted_run_keeps_a_checkpoint_that_loads_with_weights_only(tmp_path):
    train, test = _synthetic()
    folder = train_reference_run(_tiny(), tmp_path, train, test, progress=False, max_epochs=1)
    assert not (folder / store.MANIFEST).exists()
    state = torch.load(folder / store.CHECKPOINT, weights_only=True)
    assert state["epoch"] == 1 and len(state["log"]) == 1


def test_the_manifest_names_every_file_by_sha256_and_a_changed_file_is_refused(tmp_path):
    train, test = _synthetic()
    folder = train_reference_run(_tiny(epochs=1), tmp_path, train, test, progress=False)
    m = verify("tiny", tmp_path)
    assert set(m["files"]) == {"log.csv", "steps.csv", "weights.pt"}
    for key in ("command", "sessions", "versions", "wall_seconds", "spec", "data", "result"):
        assert key in m
    assert m["sessions"][0]["cpu"] and m["sessions"][0]["threads"] >= 1
    assert m["versions"]["torch"] == torch.__version__
    with open(folder / "weights.pt", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ChecksumError, match="weights.pt"):
        load_model("tiny", tmp_path)


def test_the_loaded_network_scores_the_test_accuracy_its_manifest_records(tmp_path):
    train, test = _synthetic()
    train_reference_run(_tiny(epochs=2), tmp_path, train, test, progress=False)
    model = load_model("tiny", tmp_path)
    assert not model.training
    acc, right = accuracy(model, test.X.float() / 255, test.y)
    assert acc == pytest.approx(manifest("tiny", tmp_path)["result"]["test_acc"], abs=1e-9)
    assert right.dtype == torch.bool and len(right) == len(test)


def test_a_run_with_a_stopping_error_ends_at_the_first_epoch_below_it(tmp_path):
    train, test = _synthetic()
    spec = _tiny(epochs=6, stop_train_err=0.95, schedule="constant", lr=0.05)
    train_reference_run(spec, tmp_path, train, test, progress=False)
    log = read_log("tiny", tmp_path)
    below = [e for e, err in zip(log["epoch"], log["train_err"], strict=True) if err < 0.95]
    assert log["epoch"][-1] == below[0] and len(below) == 1
    assert manifest("tiny", tmp_path)["result"]["stopped_early"] == log["epoch"][-1]


def test_a_diverging_run_stops_and_says_so(tmp_path):
    train, test = _synthetic()
    spec = _tiny(model="four_layer", model_kw={"activation": "relu", "init": "default"},
                 lr=1e6, schedule="constant", epochs=3)
    train_reference_run(spec, tmp_path, train, test, progress=False)
    assert manifest("tiny", tmp_path)["result"]["diverged"] is True


def test_eval_train_and_downsampling_are_recorded(tmp_path):
    train, test = _synthetic()
    train_reference_run(_tiny(epochs=1, eval_train=True, downsample=2), tmp_path, train, test,
              progress=False)
    r = manifest("tiny", tmp_path)["result"]
    assert 0 <= r["train_eval_err"] <= 1
    model = load_model("tiny", tmp_path)
    acc, _ = accuracy(model, shrink(test.X.float() / 255, 2), test.y)
    assert acc == pytest.approx(r["test_acc"], abs=1e-9)


def test_shrink_gives_the_same_images_from_uint8_and_from_loader_floats():
    X = torch.randint(0, 256, (5, 3, 8, 8), dtype=torch.uint8)
    small = shrink(X, 2)
    assert small.dtype == torch.uint8 and small.shape == (5, 3, 4, 4)
    assert torch.equal(shrink(X.float() / 255, 2), small.float() / 255)
    assert int(small[0, 0, 0, 0]) == round(float(X[0, 0, :2, :2].double().mean()))


def test_channel_stats_are_the_mean_and_population_std_of_the_scaled_pixels():
    X = torch.randint(0, 256, (40, 3, 6, 6), dtype=torch.uint8)
    mean, std = channel_stats(X, chunk=7)
    x = X.double() / 255
    assert mean == pytest.approx(x.mean((0, 2, 3)).tolist(), abs=1e-12)
    assert std == pytest.approx(x.std((0, 2, 3), unbiased=False).tolist(), abs=1e-12)
    with pytest.raises(ValueError, match="uint8"):
        channel_stats(x)


def _fake_pilots(root, errors):
    for lr, err in errors.items():
        name = f"r2-pilot-relu-lr{lr:g}"
        (root / name).mkdir(parents=True)
        result = {"diverged": math.isnan(err), "train_err": err}
        (root / name / store.MANIFEST).write_text(json.dumps({"result": result}))


def test_the_lr_choice_is_the_fastest_pilot_with_ties_to_the_larger_rate(tmp_path):
    lrs = [RUNS[n].lr for n in RUNS if n.startswith("r2-pilot-relu-")]
    errs = {lr: 0.5 for lr in lrs}
    errs[lrs[2]] = errs[lrs[3]] = 0.3
    errs[lrs[-1]] = math.nan
    _fake_pilots(tmp_path, errs)
    best, table = choose_lr("r2-pilot-relu-lr*", tmp_path)
    assert best == lrs[3] and math.isnan(table[f"{lrs[-1]:g}"])


@pytest.mark.parametrize("where", [0, -1])
def test_a_fastest_rate_at_the_edge_of_the_grid_asks_for_a_wider_grid(tmp_path, where):
    lrs = [RUNS[n].lr for n in RUNS if n.startswith("r2-pilot-relu-")]
    errs = {lr: 0.5 for lr in lrs}
    errs[lrs[where]] = 0.2
    _fake_pilots(tmp_path, errs)
    with pytest.raises(RuntimeError, match="edge of the grid"):
        choose_lr("r2-pilot-relu-lr*", tmp_path)


def test_the_lr_choice_waits_for_every_pilot(tmp_path):
    with pytest.raises(RuntimeError, match="has not finished"):
        choose_lr("r2-pilot-relu-lr*", tmp_path)


def test_epochs_to_a_threshold_interpolates_between_the_straddling_points():
    assert epochs_to([0.5, 0.3, 0.2], [1, 2, 3], 0.25) == pytest.approx(2.5)
    assert epochs_to([0.2], [1], 0.25) == 1.0
    assert math.isnan(epochs_to([0.5, 0.4], [1, 2], 0.25))


def test_every_reference_run_builds_and_the_selectors_find_them():
    assert {s.experiment for s in RUNS.values()} == {"R1", "R2", "R3", "R4", "R5"}
    for spec in RUNS.values():
        model = build(spec.model, spec.model_kw)
        size = 32 // spec.downsample
        assert model(torch.rand(2, 3, size, size)).shape == (2, 10), spec.name
    assert [s.name for s in runs("R1")] == ["r1-resnet20"]
    assert len(runs("r3-*")) == 12 and len(runs("R4", "r4-none-s0")) == 8
    with pytest.raises(ValueError, match="no reference run"):
        runs("r9")


def test_the_uint8_cache_holds_the_loaders_images_and_is_read_back(tmp_path):
    from dlsg_utils.data.cifar import offline_dir

    first = cifar10_uint8("test", offline_dir(), cache=tmp_path)
    assert len(list(tmp_path.glob("cifar10-uint8-*.npz"))) == 1
    again = cifar10_uint8("test", offline_dir(), cache=tmp_path)
    assert torch.equal(first.X, again.X) and torch.equal(first.y, again.y)
    loaded = load_cifar10("test", source=offline_dir(), warn=False)
    assert torch.equal(first.X[:500].float() / 255, loaded.X[:500])
    assert torch.equal(first.y, loaded.y)


def test_without_the_data_the_command_says_how_to_name_it(monkeypatch):
    monkeypatch.delenv("DLSG_CIFAR10", raising=False)
    with pytest.raises(FileNotFoundError, match="DLSG_CIFAR10"):
        cifar10_uint8("train")


def test_the_command_lists_runs_and_their_state(capsys, tmp_path):
    assert main(["list", "R1", "--root", str(tmp_path)]) == 0
    assert "r1-resnet20" in capsys.readouterr().out


def test_without_a_clone_a_run_is_downloaded_and_checked_against_the_package_index(
        tmp_path, monkeypatch):
    train, test = _synthetic()
    served = tmp_path / "served"
    train_reference_run(_tiny(epochs=1), served, train, test, progress=False)
    m = verify("tiny", served)
    index = {"tiny": {**m["files"], "manifest.json": store.sha256_file(
        served / "tiny" / "manifest.json")}}
    monkeypatch.setattr(store, "_index", lambda: index)
    monkeypatch.setattr(store, "runs_root", lambda: tmp_path / "no-clone")
    monkeypatch.setenv("DLSG_DATA", str(tmp_path / "cache"))
    with serve(served) as url:
        monkeypatch.setattr(store, "BASE_URL", url)
        folder = store.run_dir("tiny")
        assert folder.parent.parent == tmp_path / "cache"
        assert verify("tiny", folder.parent)["files"] == m["files"]
        with open(served / "tiny" / "log.csv", "a") as fh:
            fh.write("tampered\n")
        (folder / "log.csv").unlink()
        with pytest.raises(Exception, match="sha256"):
            store.run_dir("tiny")


@pytest.mark.parametrize("name", SHIPPED)
def test_a_shipped_run_matches_its_manifest_and_its_network_scores_its_recorded_accuracy(name):
    m = verify(name)
    index = store._index()
    assert index.get(name, {}).get("manifest.json") == store.sha256_file(
        store.run_dir(name) / "manifest.json"), "index.json is stale: run `... reference index`"
    r = m["result"]
    if r["diverged"]:
        return
    test = load_cifar10("test", source="offline", warn=False)
    model = load_model(name)
    acc, _ = accuracy(model, shrink(test.X, m["spec"]["downsample"]), test.y)
    assert abs(acc - r["test_acc"]) <= 0.001, "re-evaluated accuracy differs by over 0.1 point"


def test_confirm_insists_on_the_recorded_accuracy_on_the_same_images_only(tmp_path):
    from dlsg_utils.reference import confirm

    train, test = _synthetic()
    train_reference_run(_tiny(epochs=1), tmp_path, train, test, progress=False)
    acc = manifest("tiny", tmp_path)["result"]["test_acc"]
    jpeg = "CIFAR-10, JPEG copy: 10,000 test images (the whole test set)"
    assert "re-evaluated here" in confirm("tiny", acc, jpeg, tmp_path)
    with pytest.raises(RuntimeError, match="not the run's weights"):
        confirm("tiny", acc + 0.002, jpeg, tmp_path)
    note = confirm("tiny", acc + 0.01, "CIFAR-10 (official archive): 10,000 test images", tmp_path)
    assert "differ slightly" in note


def test_a_bfloat16_run_trains_its_forward_passes_in_bfloat16_and_keeps_float32_weights(tmp_path):
    train, test = _synthetic()
    for precision in ("float32", "bfloat16"):
        train_reference_run(_tiny(epochs=1, precision=precision), tmp_path / precision, train,
                            test, progress=False)
    low, full = (load_model("tiny", tmp_path / p) for p in ("bfloat16", "float32"))
    assert all(v.dtype == torch.float32 for v in low.state_dict().values() if v.is_floating_point())
    # the same seed and batches: only the precision of the forward passes differs
    assert not all(torch.equal(p, q) for p, q in zip(_weights(low), _weights(full), strict=True))
    assert manifest("tiny", tmp_path / "bfloat16")["spec"]["precision"] == "bfloat16"
    with pytest.raises(ValueError, match="precision"):
        _tiny(precision="float16")
