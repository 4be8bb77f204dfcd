"""dlsg_utils.train (fit, evaluate, early stopping, gradient noise, ensembles) and schedules."""

import copy
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from dlsg_utils import train
from dlsg_utils.schedules import SCHEDULES, lr_curve, make_schedule
from dlsg_utils.train import (
    EarlyStopping,
    GradientNoise,
    History,
    ensemble_predict,
    evaluate,
    fit,
    predict,
)

CPU = torch.device("cpu")


def blobs(n=200, seed=0):
    """Two well-separated Gaussian blobs in 2-D: (X (n, 2) float32, y (n,) int64)."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    X = torch.randn(n, 2, generator=g) * 0.5 + (2.0 * y[:, None] - 1.0) * 2.0
    return X, y


def linear(seed=0):
    torch.manual_seed(seed)
    return nn.Linear(2, 2)


def sgd(lr=0.5):
    return lambda params: torch.optim.SGD(params, lr=lr)


def run(model=None, data=None, **kw):
    kw.setdefault("device", CPU)
    kw.setdefault("progress", False)
    return fit(model or linear(), data or blobs(), **kw)


# --- fit ---------------------------------------------------------------------------------------

def test_fit_reduces_the_loss_and_records_a_full_history():
    X, y = blobs()
    h = run(data=(X[:150], y[:150]), val_data=(X[150:], y[150:]), optimizer=sgd(),
            epochs=4, batch_size=32)
    assert isinstance(h, History) and h.epochs == 4
    for name in ("train_loss", "train_acc", "val_loss", "val_acc", "epoch_time", "lr"):
        assert len(getattr(h, name)) == 4, name
    assert len(h.step_loss) == len(h.step_lr) == 4 * math.ceil(150 / 32)
    assert h.train_loss[-1] < h.train_loss[0] / 2 and h.val_loss[-1] < h.val_loss[0]
    assert h.val_acc[-1] == 1.0 and all(t > 0 for t in h.epoch_time)
    assert h.lr == [0.5] * 4 and h.stopped_epoch is None
    assert h.best_epoch == int(np.argmin(h.val_loss)) + 1
    assert set(h.as_dict()) >= {"train_loss", "val_acc", "step_loss", "best_epoch"}


def test_train_loss_is_the_batch_size_weighted_mean_of_step_losses():
    h = run(data=blobs(70), optimizer=sgd(), epochs=1, batch_size=32)  # batches 32, 32, 6
    assert h.train_loss[0] == pytest.approx(np.dot(h.step_loss, [32, 32, 6]) / 70, rel=1e-6)


def test_default_optimizer_is_adam_and_a_given_optimizer_instance_is_used():
    model = linear()
    opt = torch.optim.SGD(model.parameters(), lr=0.25)
    assert run(model, optimizer=opt).lr == [0.25]
    assert run().lr == [1e-3]


def test_same_seed_gives_identical_histories_and_another_seed_differs():
    def go(seed):
        h = run(linear(0), optimizer=sgd(), epochs=2, batch_size=16, seed=seed,
                grad_noise=GradientNoise(0.1))  # noise from the global generator, seeded by fit
        return h.step_loss

    assert go(1) == go(1)
    assert go(1) != go(2)


def test_tensor_pair_dataset_and_dataloader_give_the_same_run():
    X, y = blobs(100)

    class Plain(Dataset):
        def __len__(self):
            return len(X)

        def __getitem__(self, i):
            return X[i], y[i]

    sources = [(X, y), TensorDataset(X, y), Plain(), DataLoader(TensorDataset(X, y), 25)]
    losses = [run(linear(), data=d, optimizer=sgd(), epochs=2, batch_size=25,
                  shuffle=False).step_loss for d in sources]
    for other in losses[1:]:
        np.testing.assert_allclose(other, losses[0], rtol=1e-6)


def test_order_fixes_the_example_order_and_may_be_a_subset():
    X, y = blobs(40)
    seen = []

    def recording_loss(out, yb):
        seen.extend(yb.tolist())
        return F.cross_entropy(out, yb)

    by_label = torch.argsort(y, stable=True)
    run(data=(X, y), order=by_label, batch_size=8, loss_fn=recording_loss, epochs=2)
    assert seen == sorted(y.tolist()) * 2  # shuffle=True is ignored when order is given

    seen.clear()
    h = run(data=(X, y), order=lambda epoch: by_label[: 10 * epoch], batch_size=10,
            loss_fn=recording_loss, epochs=3)
    assert len(seen) == 10 + 20 + 30 and len(h.step_loss) == 1 + 2 + 3


def test_scheduler_steps_once_per_epoch_or_once_per_batch():
    halve = lambda opt: make_schedule("exponential", opt, gamma=0.5)  # noqa: E731
    h = run(data=blobs(64), optimizer=sgd(0.4), epochs=3, batch_size=32, scheduler=halve)
    np.testing.assert_allclose(h.lr, [0.4, 0.2, 0.1])
    h = run(data=blobs(64), optimizer=sgd(0.4), epochs=2, batch_size=32, scheduler=halve,
            scheduler_interval="batch")
    np.testing.assert_allclose(h.step_lr, [0.4, 0.2, 0.1, 0.05])
    np.testing.assert_allclose(h.lr, [0.4, 0.1])


def patch_validation(monkeypatch, fake):
    """Replace what fit calls to score its validation batches (``fake(model) -> (loss, acc)``)."""
    monkeypatch.setattr(train.loop, "_evaluate_batches", lambda model, *a, **k: fake(model))


def test_reduce_on_plateau_is_stepped_with_the_validation_loss(monkeypatch):
    patch_validation(monkeypatch, lambda model: (1.0, 0.5))  # a flat val loss
    plateau = lambda opt: torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)  # noqa: E731
    h = run(val_data=blobs(10), optimizer=sgd(1.0), epochs=3, scheduler=plateau)
    np.testing.assert_allclose(h.lr, [1.0, 1.0, 0.1])


@pytest.mark.parametrize("kwargs, match", [
    ({"epochs": -1}, "epochs must be >= 0, got -1"),
    ({"batch_size": 0}, "batch_size must be >= 1, got 0"),
    ({"scheduler_interval": "step"}, "scheduler_interval must be one of 'epoch', 'batch'; got 'step'"),
    ({"early_stopping": EarlyStopping(2)}, "pass val_data too"),
    ({"order": [0, 500]}, r"order must hold indices in \[0, 200\), got values from 0 to 500"),
])
def test_bad_arguments_get_clear_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        run(**kwargs)


def test_bad_data_and_optimizer_types_get_clear_errors():
    with pytest.raises(TypeError, match="train_data must be a pair"):
        fit(linear(), [1, 2, 3], progress=False)
    with pytest.raises(TypeError, match="optimizer must be a torch.optim.Optimizer"):
        run(optimizer="adam")


# --- early stopping ----------------------------------------------------------------------------

def stops_at(losses, **kw):
    """The epoch (from 1) at which EarlyStopping.update first returns True, else None."""
    stopper = EarlyStopping(**kw)
    for epoch, loss in enumerate(losses, start=1):
        if stopper.update(loss):
            return epoch, stopper.best_epoch
    return None, stopper.best_epoch


@pytest.mark.parametrize("losses, kw, expected", [
    ([1.0, 0.8, 0.85, 0.9, 0.7, 0.75, 0.72, 0.71, 0.6], {"patience": 3}, (8, 5)),
    ([1.0, 0.8, 0.85, 0.9, 0.7, 0.75, 0.72, 0.71, 0.6], {"patience": 4}, (None, 9)),
    ([1.0, 0.9, 0.9, 0.9], {"patience": 1}, (3, 2)),  # equal is not better
    ([1.0, 0.97, 0.96, 0.95], {"patience": 2, "min_delta": 0.05}, (3, 1)),
    ([1.0, 0.97, 0.96, 0.95], {"patience": 2}, (None, 4)),
])
def test_early_stopping_stops_after_patience_epochs_without_improvement(losses, kw, expected):
    assert stops_at(losses, **kw) == expected


def test_early_stopping_rejects_bad_patience():
    with pytest.raises(ValueError, match="patience must be >= 1, got 0"):
        EarlyStopping(0)


def scripted_validation(monkeypatch, losses):
    """Make fit's validation return ``losses`` in turn; returns the weights seen at each call."""
    snapshots = []

    def fake_evaluate(model):
        snapshots.append(copy.deepcopy(model.state_dict()))
        return losses[len(snapshots) - 1], 0.5

    patch_validation(monkeypatch, fake_evaluate)
    return snapshots


@pytest.mark.parametrize("restore", [True, False])
def test_fit_stops_at_the_right_epoch_and_restores_the_best_weights(monkeypatch, restore):
    snapshots = scripted_validation(monkeypatch, [1.0, 0.5, 0.6, 0.55, 0.7, 0.3, 0.2])
    model = linear()
    h = run(model, val_data=blobs(10), optimizer=sgd(), epochs=7,
            early_stopping=EarlyStopping(patience=3, restore_best=restore))
    assert (h.stopped_epoch, h.best_epoch, h.epochs) == (5, 2, 5)
    assert h.val_loss == [1.0, 0.5, 0.6, 0.55, 0.7]
    kept = snapshots[1] if restore else snapshots[4]
    for name, value in model.state_dict().items():
        assert torch.equal(value, kept[name]), name
    assert not torch.equal(snapshots[1]["weight"], snapshots[4]["weight"])


def test_an_early_stopper_can_be_reused_for_a_second_run(monkeypatch):
    stopper = EarlyStopping(patience=1)
    scripted_validation(monkeypatch, [1.0, 2.0, 0.1, 0.2])
    assert run(val_data=blobs(10), epochs=5, early_stopping=stopper).stopped_epoch == 2
    assert run(val_data=blobs(10), epochs=5, early_stopping=stopper).stopped_epoch == 2


# --- gradient noise ----------------------------------------------------------------------------

def test_gradient_noise_variance_follows_eta_over_one_plus_t_to_the_gamma():
    noise = GradientNoise(eta=0.3)
    assert noise.gamma == 0.55 and noise.variance(0) == pytest.approx(0.3)
    assert noise.variance(99) == pytest.approx(0.3 * 100 ** -0.55)
    np.testing.assert_allclose(GradientNoise(1.0, gamma=1.0).variance([0, 1, 3]), [1, 0.5, 0.25])


def test_gradient_noise_adds_zero_mean_noise_of_the_scheduled_variance():
    p = torch.zeros(200_000, requires_grad=True)
    p.grad = torch.full_like(p, 2.0)
    q = torch.zeros(3, requires_grad=True)  # no gradient: left alone
    GradientNoise(eta=0.5, seed=0)([p, q], t=9)
    added = p.grad - 2.0
    expected = 0.5 / 10 ** 0.55
    assert float(added.var()) == pytest.approx(expected, rel=0.02)  # 5 standard errors
    assert abs(float(added.mean())) < 5 * math.sqrt(expected / p.numel())
    assert q.grad is None


def test_gradient_noise_with_a_seed_repeats():
    def draw():
        p = torch.zeros(5, requires_grad=True)
        p.grad = torch.zeros(5)
        GradientNoise(1.0, seed=3)([p], t=0)
        return p.grad

    assert torch.equal(draw(), draw())


def test_fit_applies_gradient_noise_at_every_global_step():
    class Recording(GradientNoise):
        steps = []

        def __call__(self, parameters, t):
            self.steps.append(t)
            super().__call__(parameters, t)

    noise = Recording(0.01, seed=0)
    run(data=blobs(64), epochs=3, batch_size=32, grad_noise=noise)
    assert noise.steps == list(range(6))


# --- evaluate, predict, ensembles --------------------------------------------------------------

def test_evaluate_matches_a_manual_computation():
    X, y = blobs(101)
    model = linear(3)
    loss, acc = evaluate(model, (X, y), batch_size=7)  # uneven batches: weighted mean
    with torch.no_grad():
        out = model(X)
    assert loss == pytest.approx(float(F.cross_entropy(out, y)), rel=1e-5)
    assert 0.0 <= acc <= 1.0 and acc == pytest.approx(float((out.argmax(1) == y).float().mean()))


def test_evaluate_gives_nan_accuracy_for_regression_and_restores_train_mode():
    X = torch.randn(20, 2)
    model = nn.Linear(2, 1).train()
    loss, acc = evaluate(model, (X, X[:, :1]), loss_fn=F.mse_loss)
    with torch.no_grad():
        assert loss == pytest.approx(float(F.mse_loss(model(X), X[:, :1])), rel=1e-5)
    assert math.isnan(acc) and model.training


def test_predict_returns_logits_or_labels():
    X, _ = blobs(30)
    model = linear()
    logits = predict(model, X, batch_size=8)
    assert logits.shape == (30, 2)
    assert torch.equal(predict(model, X, labels=True), logits.argmax(1))


def test_ensemble_of_identical_models_equals_the_single_model():
    X, _ = blobs(50)
    model = linear()
    probs = predict(model, X).softmax(1)
    same = [copy.deepcopy(model) for _ in range(3)]
    torch.testing.assert_close(ensemble_predict(same, X), probs)
    assert torch.equal(ensemble_predict(same, X, labels=True), probs.argmax(1))


def test_ensemble_averages_the_probabilities_of_different_models():
    X, _ = blobs(50)
    a, b = linear(1), linear(2)
    mean = (predict(a, X).softmax(1) + predict(b, X).softmax(1)) / 2
    torch.testing.assert_close(ensemble_predict([a, b], X), mean)
    with pytest.raises(ValueError, match="at least one model"):
        ensemble_predict([], X)


# --- schedules ---------------------------------------------------------------------------------

def test_schedules_follow_their_formulas():
    t = np.arange(8)
    np.testing.assert_allclose(lr_curve("inverse_time", 8, lr=0.2, decay=0.5), 0.2 / (1 + 0.5 * t))
    np.testing.assert_allclose(lr_curve("step", 8, step_size=3, gamma=0.1), 0.1 ** (t // 3))
    np.testing.assert_allclose(lr_curve("cosine", 8, T_max=8),
                               (1 + np.cos(np.pi * t / 8)) / 2, atol=1e-12)
    np.testing.assert_allclose(lr_curve("warmup", 6, warmup=4, start_factor=0.2),
                               [0.2, 0.4, 0.6, 0.8, 1.0, 1.0])


def test_warmup_cosine_rises_linearly_then_decays_to_eta_min():
    lrs = lr_curve("warmup_cosine", 21, lr=0.1, warmup=5, total=20, start_factor=0.1,
                   eta_min=0.001)
    np.testing.assert_allclose(lrs[:6], [0.01, 0.028, 0.046, 0.064, 0.082, 0.1])
    assert np.all(np.diff(lrs[5:]) < 0) and lrs[20] == pytest.approx(0.001)


def test_every_named_schedule_builds_a_torch_scheduler():
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    for name in SCHEDULES:
        assert isinstance(make_schedule(name, opt), torch.optim.lr_scheduler.LRScheduler), name


def test_unknown_schedules_and_parameters_get_clear_errors():
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="unknown schedule 'linear'; expected one of"):
        make_schedule("linear", opt)
    with pytest.raises(TypeError, match=r"'step' takes \['step_size', 'gamma'\], got unexpected"):
        make_schedule("step", opt, T_max=3)


def test_fit_with_every_validation_loss_nan_leaves_best_epoch_none(monkeypatch):
    import dlsg_utils.train as train_module

    patch_validation(monkeypatch, lambda model: (float("nan"), 0.1))
    X = torch.randn(64, 3)
    y = (X[:, 0] > 0).long()
    model = torch.nn.Linear(3, 2)
    hist = train_module.fit(model, (X, y), (X, y), epochs=2, progress=False, seed=0)
    assert hist.best_epoch is None


def test_fit_converts_float64_numpy_pairs_to_the_models_dtype():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(32, 4)), rng.integers(0, 3, 32)  # float64 and int64, as NumPy makes
    model = nn.Linear(4, 3)
    history = fit(model, (X, y), (X, y), epochs=2, progress=False, seed=0)
    assert len(history.train_loss) == 2 and np.isfinite(history.val_loss).all()
    assert predict(model, X).shape == (32, 3)


def test_labels_outside_the_models_outputs_are_an_error_not_an_index_error():
    X = torch.rand(16, 4)
    model = nn.Linear(4, 3)
    with pytest.raises(ValueError, match=r"train_data must hold class labels in \[0, 3\) .* "
                                         "got labels from -1 to 2"):
        fit(model, (X, torch.tensor([-1] + [2] * 15)), epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"data must hold class labels in \[0, 3\) .* from 0 to 3"):
        evaluate(model, (X, torch.tensor([3] + [0] * 15)))


@pytest.mark.parametrize("batch_size", [0, -5])
def test_evaluate_and_predict_reject_batch_sizes_below_one(batch_size):
    model = nn.Linear(4, 3)
    X, y = torch.rand(8, 4), torch.zeros(8, dtype=torch.long)
    with pytest.raises(ValueError, match=f"batch_size must be >= 1, got {batch_size}"):
        evaluate(model, (X, y), batch_size=batch_size)
    with pytest.raises(ValueError, match=f"batch_size must be >= 1, got {batch_size}"):
        predict(model, X, batch_size=batch_size)


# --- sweep_lr ----------------------------------------------------------------------------------

def _valley(best_lr, calls=None):
    """A score with its minimum at best_lr, quadratic in log10(lr); records every lr asked."""
    def score(lr):
        if calls is not None:
            calls.append(lr)
        return (math.log10(lr) - math.log10(best_lr)) ** 2
    return score


GRID = [1e-3, 10**-2.5, 1e-2, 10**-1.5, 1e-1]


def test_sweep_keeps_a_grid_whose_best_rate_is_inside():
    calls = []
    sweep = train.sweep_lr(_valley(0.01, calls), GRID)
    assert sweep.best_lr == pytest.approx(0.01) and sweep.added == [] and not sweep.at_edge
    assert len(calls) == len(GRID) and not sweep.was_at_edge


def test_sweep_extends_the_grid_upward_until_the_best_rate_is_inside():
    sweep = train.sweep_lr(_valley(1.5, []), GRID, max_extra=5)
    # 0.1 is best on the grid: add 0.316, then 1, then 3.16, where the score turns up again
    assert sweep.added == pytest.approx([10**-0.5, 1.0, 10**0.5])
    assert sweep.best_lr == pytest.approx(1.0)
    assert not sweep.at_edge and sweep.was_at_edge
    assert sweep.lrs == sorted(sweep.lrs) and len(sweep.lrs) == len(GRID) + 3


def test_sweep_extends_the_grid_downward_with_the_grids_own_step():
    sweep = train.sweep_lr(_valley(3e-5, []), GRID, max_extra=5)
    assert sweep.added[0] == pytest.approx(10**-3.5)  # the step of the grid: half a decade
    assert sweep.best_lr == pytest.approx(10**-4.5) and not sweep.at_edge


def test_sweep_stops_after_max_extra_and_says_the_best_is_still_at_the_edge():
    calls = []
    sweep = train.sweep_lr(_valley(100.0, calls), GRID, max_extra=2)
    assert len(sweep.added) == 2 and len(calls) == len(GRID) + 2
    assert sweep.at_edge and sweep.best_lr == max(sweep.lrs)


def test_sweep_never_chooses_a_diverged_rate():
    def score(lr):  # better and better with lr, until it diverges above 0.05
        return math.nan if lr > 0.05 else -lr
    sweep = train.sweep_lr(score, GRID)
    assert sweep.best_lr == pytest.approx(10**-1.5) and math.isinf(sweep.scores[-1])
    assert sweep.added == [] and not sweep.at_edge


def test_sweep_rounds_the_added_rates_and_takes_a_given_factor():
    sweep = train.sweep_lr(_valley(1e3, []), [0.1, 1.0], factor=10.0, max_extra=1)
    assert sweep.added == [10.0]  # exactly 10, not 10.000000000000002


def test_sweep_raises_when_every_rate_diverged():
    with pytest.raises(ValueError, match="diverged"):
        train.sweep_lr(lambda lr: math.inf, GRID, max_extra=0)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(lrs=[0.1]), ValueError, "lrs"),
    (dict(lrs=[0.1, -0.1]), ValueError, "lrs"),
    (dict(lrs="0.1"), TypeError, "lrs"),
    (dict(lrs=[0.1, 1.0], factor=1.0), ValueError, "factor"),
    (dict(lrs=[0.1, 1.0], max_extra=-1), ValueError, "max_extra"),
    (dict(score=3, lrs=[0.1, 1.0]), TypeError, "score"),
    (dict(score=lambda lr: "low", lrs=[0.1, 1.0]), TypeError, "score"),
])
def test_sweep_rejects_bad_arguments(kwargs, error, match):
    kwargs.setdefault("score", _valley(0.1))
    with pytest.raises(error, match=match):
        train.sweep_lr(**kwargs)


# --- issue 25: a divergence check, integer orders, a seed local to the run ------------------------

def test_a_nan_loss_stops_training_with_a_warning_naming_max_loss():
    X, y = blobs(64)
    with pytest.warns(train.TrainingDiverged, match=r"step 0 \(epoch 1\) was nan.*max_loss=None"):
        h = run(data=(X, y), val_data=(X, y), epochs=5, batch_size=16,
                loss_fn=lambda out, t: F.cross_entropy(out, t) * float("nan"))
    assert h.epochs == 1 and h.stopped_epoch == 1 and h.diverged_step == 0
    assert len(h.step_loss) == 1 and math.isnan(h.val_loss[0])  # no steps after the bad one


def test_a_loss_above_max_loss_stops_training_at_that_step():
    X, y = blobs(64)
    big = lambda out, t: F.cross_entropy(out, t) + 1e23  # noqa: E731
    with pytest.warns(train.TrainingDiverged, match=r"step 0 \(epoch 1\) was 1e\+23"):
        h = run(data=(X, y), epochs=3, batch_size=16, loss_fn=big)
    assert h.diverged_step == 0 and h.step_loss == [pytest.approx(1e23, rel=1e-6)]
    step2 = lambda out, t: F.cross_entropy(out, t) * 50.0  # noqa: E731 - about 35 per step
    with pytest.warns(train.TrainingDiverged, match="step 0"):
        run(data=(X, y), epochs=1, batch_size=16, loss_fn=step2, max_loss=10.0)


def test_max_loss_none_trains_on_as_before():
    import warnings

    X, y = blobs(64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = run(data=(X, y), epochs=2, batch_size=16, max_loss=None,
                loss_fn=lambda out, t: F.cross_entropy(out, t) + 1e23)
    assert h.epochs == 2 and h.diverged_step is None and len(h.step_loss) == 8


def test_a_diverging_sgd_run_stops_at_the_first_loss_above_max_loss():
    X, y = blobs(64)
    mse = lambda out, t: ((out[:, 0] - t.float()) ** 2).mean()  # noqa: E731 - a quadratic
    with pytest.warns(train.TrainingDiverged):  # lr far above 2 / curvature: it blows up
        h = run(data=(X * 10, y), optimizer=sgd(1.0), epochs=50, batch_size=16, loss_fn=mse)
    assert h.epochs < 50 and h.diverged_step == len(h.step_loss) - 1
    assert h.step_loss[-1] > train.MAX_LOSS and max(h.step_loss[:-1]) <= train.MAX_LOSS


@pytest.mark.parametrize("order", [[0.5, 1.7], np.array([0.0, 1.0]), torch.tensor([0.0, 1.0]),
                                   lambda epoch: [0.5, 1.5]])
def test_an_order_of_floats_is_refused_not_truncated(order):
    with pytest.raises(TypeError, match="order must hold integer indices, got dtype float"):
        run(order=order)


def test_an_order_of_integer_arrays_and_tensors_is_used():
    h = run(data=blobs(8), order=torch.tensor([3, 1]), batch_size=1, epochs=1, optimizer=sgd())
    assert len(h.step_loss) == 2


def test_fit_with_a_seed_leaves_the_global_generators_as_they_were():
    import random

    model = nn.Sequential(nn.Linear(2, 8), nn.Dropout(0.5), nn.Linear(8, 2))
    torch.manual_seed(123)
    np.random.seed(123)
    random.seed(123)
    expected = torch.rand(3), np.random.rand(3), random.random()
    torch.manual_seed(123)
    np.random.seed(123)
    random.seed(123)
    run(model, epochs=2, batch_size=16, seed=7, optimizer=sgd(), grad_noise=GradientNoise(0.1))
    after = torch.rand(3), np.random.rand(3), random.random()
    assert torch.equal(after[0], expected[0])
    np.testing.assert_array_equal(after[1], expected[1])
    assert after[2] == expected[2]


@pytest.mark.parametrize("seeds", [(0, 1, 2), (0, 0, 0)])
def test_models_built_in_a_loop_with_seeded_runs_differ(seeds):
    """An "ensemble" built in a loop: when fit reseeded the global generator, a model built
    after fit(seed=s) started from the weights its predecessor had started from."""
    torch.manual_seed(0)
    members = []
    for seed in seeds:
        model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 2))
        start = copy.deepcopy(model.state_dict())
        h = run(model, epochs=1, batch_size=16, seed=seed, optimizer=sgd(0.1))
        members.append((start, h.step_loss))
    starts = [m[0]["0.weight"] for m in members]
    assert not torch.equal(starts[0], starts[1]) and not torch.equal(starts[1], starts[2])
    assert members[0][1] != members[1][1]  # different weights, so different runs


def test_a_seeded_run_still_repeats_exactly_with_dropout_and_shuffling():
    def go():
        torch.manual_seed(5)
        model = nn.Sequential(nn.Linear(2, 8), nn.Dropout(0.5), nn.Linear(8, 2))
        return run(model, epochs=2, batch_size=16, seed=3, optimizer=sgd(0.1)).step_loss

    assert go() == go()
