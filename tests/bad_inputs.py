"""A table of bad calls to the public API, and what a good library does with each: reject it at
the call with a ``ValueError`` or ``TypeError`` whose message names the argument (scikit-learn's
rule). ``tests/test_bad_inputs.py`` runs the table; ``classify`` sorts an outcome into *clear*,
*unclear* (another exception, or a message that does not name the argument) and *silent* (no
error at all: the worst kind, a wrong number downstream).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class Case:
    id: str
    call: Callable[[], object]
    names: str  # what the message must mention (the argument), "|"-separated alternatives


def classify(case: Case) -> tuple[str, str]:
    """("clear" | "unclear" | "silent", what happened)."""
    try:
        case.call()
    except (ValueError, TypeError) as err:
        message = str(err)
        if any(name in message for name in case.names.split("|")):
            return "clear", f"{type(err).__name__}: {message}"
        return "unclear", f"{type(err).__name__} without the argument's name: {message}"
    except Exception as err:  # noqa: BLE001 - the point is to see what escapes
        return "unclear", f"{type(err).__name__}: {err}"
    return "silent", "no error"


# --- small objects the cases need, built once ----------------------------------------------------

@functools.cache
def _linear_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(12, 3))


def _xy(n=8):
    g = torch.Generator().manual_seed(0)
    return torch.rand(n, 1, 3, 4, generator=g), torch.randint(0, 3, (n,), generator=g)


def _opt():
    return torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


def _np_xy():
    rng = np.random.default_rng(0)
    return rng.normal(size=(6, 4)), rng.normal(size=(4, 3))


def _step_twice(name):
    """One step of optimizer ``name`` on the same array listed twice in ``params``."""
    from dlsg_utils import optim

    cls = optim.OPTIMIZERS[name]
    opt = cls(lr=0.1) if name in ("SGD", "Momentum", "Nesterov") else cls()
    p = np.ones(2)
    return lambda: opt.step([p, p], lambda ps: [np.ones(2), np.ones(2)])


def _onecycle_past_the_end():
    from dlsg_utils import schedules

    opt = _opt()
    sched = schedules.make_schedule("onecycle", opt, total_steps=3)
    for _ in range(5):
        opt.step()
        sched.step()


def _a_file() -> str:
    import os
    import tempfile

    fd, path = tempfile.mkstemp(prefix="dlsg-not-a-directory-")
    os.close(fd)
    return path


def _cases() -> list[Case]:
    import dlsg_utils
    from dlsg_utils import (
        conv,
        data,
        functions,
        linear,
        models,
        optim,
        plot,
        schedules,
        stats,
        train,
        visualize,
        widgets,
    )

    X, W = _np_xy()
    x4 = np.zeros((1, 1, 5, 5))
    w4 = np.zeros((1, 1, 3, 3))
    cases = [
        # top level
        Case("budget_without_smoke", lambda: dlsg_utils.budget(full=3), "smoke"),
        Case("seed_negative", lambda: dlsg_utils.seed_everything(-1), "seed"),
        Case("seed_float", lambda: dlsg_utils.seed_everything(2.5), "seed"),
        Case("seed_bool", lambda: dlsg_utils.seed_everything(True), "seed"),
        # softmax regression: labels outside [0, K) are the silent kind
        Case("sce_label_minus_one", lambda: linear.softmax_cross_entropy(
            W, X, np.array([0, 1, 2, 0, 1, -1])), "y|label"),
        Case("sce_label_K", lambda: linear.softmax_cross_entropy(
            W, X, np.array([0, 1, 2, 0, 1, 3])), "y|label"),
        Case("sce_float_labels", lambda: linear.softmax_cross_entropy(
            W, X, np.array([0, 1, 2, 0, 1, 1.5])), "y|label"),
        Case("sce_negative_weight_decay", lambda: linear.softmax_cross_entropy(
            W, X, np.zeros(6, int), weight_decay=-1.0), "weight_decay"),
        Case("sce_shape_mismatch", lambda: linear.softmax_cross_entropy(
            W, X[:, :3], np.zeros(6, int)), "X|W"),
        Case("accuracy_label_minus_one", lambda: linear.accuracy(
            W, X, np.array([0, 1, 2, 0, 1, -1])), "y|label"),
        Case("accuracy_label_K", lambda: linear.accuracy(W, X, np.array([0, 1, 2, 0, 1, 3])),
             "y|label"),
        Case("softmax_0d", lambda: linear.softmax(np.float64(3.0)), "Z"),
        # NumPy optimizers
        Case("sgd_negative_lr", lambda: optim.SGD(lr=-0.1), "lr"),
        Case("sgd_string_lr", lambda: optim.SGD(lr="0.1"), "lr"),
        Case("sgd_nan_lr", lambda: optim.SGD(lr=float("nan")), "lr"),
        Case("momentum_gamma_one", lambda: optim.Momentum(lr=0.1, gamma=1.0), "gamma"),
        Case("momentum_gamma_negative", lambda: optim.Momentum(lr=0.1, gamma=-0.1), "gamma"),
        Case("nesterov_gamma_big", lambda: optim.Nesterov(lr=0.1, gamma=1.5), "gamma"),
        Case("adagrad_eps_zero", lambda: optim.Adagrad(eps=0.0), "eps"),
        Case("adam_beta1_one", lambda: optim.Adam(beta1=1.0), "beta1"),
        Case("adam_beta2_big", lambda: optim.Adam(beta2=1.5), "beta2"),
        Case("adamw_negative_decay", lambda: optim.AdamW(weight_decay=-0.1), "weight_decay"),
        Case("rmsprop_rho_big", lambda: optim.RMSProp(rho=1.2), "rho"),
        Case("adadelta_rho_big", lambda: optim.AdaDelta(rho=1.5), "rho"),
        Case("amsgrad_negative_lr", lambda: optim.AMSGrad(lr=-1.0), "lr"),
        Case("run_negative_steps", lambda: optim.run(optim.SGD(lr=0.1), lambda p: p, [0.0, 0.0],
                                                     -1), "steps"),
        Case("run_float_steps", lambda: optim.run(optim.SGD(lr=0.1), lambda p: p, [0.0, 0.0],
                                                  2.5), "steps"),
        Case("run_2d_start", lambda: optim.run(optim.SGD(lr=0.1), lambda p: p, [[0.0]], 3), "x0"),
        Case("run_not_optimizer", lambda: optim.run("sgd", lambda p: p, [0.0], 3), "opt"),
        Case("step_int_params", lambda: optim.SGD(lr=0.1).step([np.zeros(2, int)],
                                                               lambda p: p), "params"),
        Case("step_grad_wrong_shape", lambda: optim.SGD(lr=0.1).step(
            [np.zeros(2)], lambda p: [np.zeros(3)]), "shape|gradient"),
        Case("torch_equivalent_not_optimizer", lambda: optim.torch_equivalent(
            "adam", [torch.zeros(1)]), "opt"),
        # surfaces
        Case("quadratic_not_square", lambda: functions.quadratic([[1.0, 0.0]]), "A"),
        Case("quadratic_b_wrong_length", lambda: functions.quadratic(np.eye(2), [1.0]), "b"),
        Case("quadratic_not_symmetric", lambda: functions.quadratic([[1.0, 2.0], [0.0, 1.0]]),
             "A|symmetric"),
        Case("surface_value_wrong_dim", lambda: functions.BEALE.value(np.zeros(3)), "x|point|shape"),
        # convolution arithmetic
        Case("conv_size_zero_input", lambda: conv.conv_output_size(0, 3), "i"),
        Case("conv_size_zero_kernel", lambda: conv.conv_output_size(5, 0), "k"),
        Case("conv_size_zero_stride", lambda: conv.conv_output_size(5, 3, s=0), "s"),
        Case("conv_size_negative_padding", lambda: conv.conv_output_size(5, 3, p=-1), "p"),
        Case("conv_size_zero_dilation", lambda: conv.conv_output_size(5, 3, d=0), "d"),
        Case("conv_size_kernel_too_big", lambda: conv.conv_output_size(3, 5), "k|kernel"),
        Case("conv_size_float_input", lambda: conv.conv_output_size(5.5, 3), "i"),
        Case("conv_size_bool_stride", lambda: conv.conv_output_size(5, 3, s=True), "s"),
        Case("transpose_size_zero_stride", lambda: conv.conv_transpose_output_size(5, 3, s=0),
             "s"),
        Case("transpose_output_padding_too_big", lambda: conv.conv_transpose_output_size(
            5, 3, s=2, output_padding=2), "output_padding"),
        Case("dilated_kernel_zero_dilation", lambda: conv.dilated_kernel_size(3, 0), "d"),
        Case("pool_size_zero_kernel", lambda: conv.pool_output_size(4, 0), "k"),
        Case("pool_size_zero_stride", lambda: conv.pool_output_size(4, 2, 0), "s"),
        Case("receptive_field_zero_kernel", lambda: conv.receptive_field([(0, 1)]), "k|layer"),
        Case("receptive_field_not_pairs", lambda: conv.receptive_field([3, 1]), "layer"),
        Case("transpose_padding_zero_stride", lambda: conv.transpose_output_padding(5, 3, s=0),
             "s"),
        # convolution functions
        Case("conv_naive_3d_input", lambda: conv.conv2d_naive(np.zeros((1, 5, 5)), w4), "x"),
        Case("conv_naive_channel_mismatch", lambda: conv.conv2d_naive(
            x4, np.zeros((1, 2, 3, 3))), "channel|w"),
        Case("conv_im2col_zero_stride", lambda: conv.conv2d_im2col(x4, w4, stride=0), "stride"),
        Case("conv_im2col_negative_padding", lambda: conv.conv2d_im2col(x4, w4, padding=-1),
             "padding"),
        Case("conv_einsum_bias_wrong_shape", lambda: conv.conv2d_einsum(x4, w4, np.zeros(2)), "b"),
        Case("conv_fft_zero_dilation", lambda: conv.conv2d_fft(x4, w4, dilation=0), "dilation"),
        Case("conv_kernel_bigger_than_input", lambda: conv.conv2d_im2col(
            np.zeros((1, 1, 2, 2)), w4), "kernel|k|input"),
        Case("conv_backward_dout_wrong_shape", lambda: conv.conv2d_backward(
            np.zeros((1, 1, 2, 2)), conv.conv2d_forward(x4, w4)[1]), "dout"),
        Case("conv_backward_cache_not_a_cache", lambda: conv.conv2d_backward(
            np.zeros((1, 1, 3, 3)), x4), "cache"),
        Case("im2col_zero_kernel", lambda: conv.im2col(x4, 0, 3), "kh|kernel"),
        Case("col2im_wrong_cols", lambda: conv.col2im(np.zeros((5, 5)), (1, 1, 5, 5), 3, 3),
             "cols"),
        Case("max_pool_zero_kernel", lambda: conv.max_pool2d(x4, 0), "k"),
        Case("max_pool_3d_input", lambda: conv.max_pool2d(np.zeros((1, 4, 4)), 2), "x"),
        Case("avg_pool_zero_stride", lambda: conv.avg_pool2d(x4, 2, 0), "s"),
        Case("relu_backward_shape_mismatch", lambda: conv.relu_backward(np.zeros(3), np.zeros(4)),
             "dout|shape"),
        Case("numerical_gradient_zero_h", lambda: conv.numerical_gradient(np.sum, np.zeros(3),
                                                                          h=0.0), "h"),
        Case("numerical_gradient_not_callable", lambda: conv.numerical_gradient(3, np.zeros(3)),
             "f"),
        # the drawings of chapter 9
        Case("conv_layout_zero_input", lambda: plot.conv_layout(0, 3), "i"),
        Case("conv_layout_zero_stride", lambda: plot.conv_layout(5, 3, s=0), "s"),
        Case("conv_figure_negative_step", lambda: plot.conv_figure(5, 3, step=-1), "step"),
        Case("conv_animation_zero_frames", lambda: plot.conv_animation(5, 3, max_frames=0),
             "max_frames"),
        Case("volume_figure_2d_image", lambda: plot.volume_figure(
            np.zeros((5, 5)), np.zeros((1, 1, 3, 3))), "x"),
        Case("volume_figure_channel_mismatch", lambda: plot.volume_figure(
            np.zeros((3, 5, 5)), np.zeros((1, 2, 3, 3))), "w"),
        Case("volume_figure_negative_padding", lambda: plot.volume_figure(
            np.zeros((3, 5, 5)), np.zeros((1, 3, 3, 3)), padding=-1), "padding"),
        Case("volume_figure_step_past_the_end", lambda: plot.volume_figure(
            np.zeros((3, 5, 5)), np.zeros((1, 3, 3, 3)), step=9), "step"),
        Case("volume_figure_kernel_too_large", lambda: plot.volume_figure(
            np.zeros((3, 2, 2)), np.zeros((1, 3, 3, 3))), "kernel|padded"),
        Case("volume_animation_zero_frames", lambda: plot.volume_animation(
            np.zeros((3, 5, 5)), np.zeros((1, 3, 3, 3)), max_frames=0), "max_frames"),
        # NumPy ConvNet layers
        Case("tiny_convnet_zero_filters", lambda: conv.TinyConvNet(num_filters=0),
             "num_filters"),
        Case("tiny_convnet_zero_classes", lambda: conv.TinyConvNet(num_classes=0),
             "num_classes"),
        Case("softmax_loss_label_out_of_range", lambda: linear.softmax_loss(
            np.zeros((2, 3)), np.array([0, 3])), "y|label"),
        Case("softmax_loss_negative_label", lambda: linear.softmax_loss(
            np.zeros((2, 3)), np.array([0, -1])), "y|label"),
        Case("affine_forward_shape_mismatch", lambda: conv.affine_forward(
            np.zeros((2, 3)), np.zeros((4, 2)), np.zeros(2)), "x|w|shape"),
        Case("sgd_step_missing_grad", lambda: conv.sgd_step({"w": np.zeros(2)}, {}, 0.1),
             "grads|w"),
        Case("sgd_step_negative_lr", lambda: conv.sgd_step({"w": np.zeros(2)},
                                                             {"w": np.zeros(2)}, -0.1), "lr"),
        Case("conv_forward_zero_stride", lambda: conv.conv2d_forward(x4, w4, np.zeros(1), 0),
             "stride"),
        # data
        Case("mnist_bad_split", lambda: data.load_mnist("validation"), "split"),
        Case("mnist_bad_source", lambda: data.load_mnist("train", "web"), "source"),
        Case("mnist_mirrors_a_string", lambda: data.load_mnist(
            "train", "full", mirrors="http://127.0.0.1:9/"), "mirrors"),
        Case("cifar_bad_split", lambda: data.load_cifar10("valid"), "split"),
        Case("cifar_bad_source", lambda: data.load_cifar10("train", "cloud"), "source"),
        Case("download_zero_retries", lambda: data.download_file(
            data.MNIST_FILES[("test", "labels")], ["http://127.0.0.1:9/"], "/nonexistent-dlsg",
            retries=0), "retries"),
        Case("download_negative_timeout", lambda: data.download_file(
            data.MNIST_FILES[("test", "labels")], ["http://127.0.0.1:9/"], "/nonexistent-dlsg",
            timeout=-1), "timeout"),
        Case("crop_negative_padding", lambda: data.RandomCropFlip(padding=-1), "padding"),
        Case("crop_float_padding", lambda: data.RandomCropFlip(padding=2.5), "padding"),
        Case("crop_flip_not_bool", lambda: data.RandomCropFlip(flip="yes"), "flip"),
        Case("crop_3d_batch", lambda: data.RandomCropFlip()(torch.zeros(3, 8, 8)), "batch|shape"),
        Case("read_idx_empty", lambda: data.read_idx(b""), "IDX"),
        # models
        Case("alexnet_bad_variant", lambda: models.AlexNet(variant="three-gpu"), "variant"),
        Case("alexnet_dropout_above_one", lambda: models.AlexNet(dropout=1.5), "dropout"),
        Case("alexnet_zero_classes", lambda: models.AlexNet(num_classes=0), "num_classes"),
        Case("lenet_bad_variant", lambda: models.LeNet5("ancient"), "variant"),
        Case("lenet_zero_classes", lambda: models.LeNet5(num_classes=0), "num_classes"),
        Case("mini_alexnet_short_widths", lambda: models.MiniAlexNet(widths=(8, 16)), "widths"),
        Case("mini_alexnet_bad_activation", lambda: models.MiniAlexNet(activation="elu"),
             "activation"),
        Case("mini_alexnet_negative_dropout", lambda: models.MiniAlexNet(dropout=-0.1),
             "dropout"),
        Case("resnet_depth_not_6n_plus_2", lambda: models.ResNetCIFAR(depth=21), "depth"),
        Case("resnet_bad_shortcut", lambda: models.ResNetCIFAR(shortcut="C"), "shortcut"),
        Case("resnet_zero_width", lambda: models.ResNetCIFAR(width=0), "width"),
        Case("plain_depth_not_6n_plus_2", lambda: models.PlainCIFAR(depth=7), "depth"),
        Case("block_zero_stride", lambda: models.BasicBlock(16, 16, stride=0), "stride"),
        Case("block_bad_shortcut", lambda: models.BasicBlock(16, 32, 2, shortcut="C"),
             "shortcut"),
        Case("count_parameters_not_module", lambda: models.count_parameters("net"), "model"),
        Case("summary_bad_shape", lambda: models.summary(_linear_model(), (3,)),
             "input_shape|shape"),
        Case("count_connections_bad_shape", lambda: models.count_connections(
            _linear_model(), (2, 2)), "input_shape|shape"),
        Case("draw_architecture_zero_sheets", lambda: plot.draw_architecture(
            models.LeNet5(), (1, 28, 28), max_sheets=0), "max_sheets"),
        # schedules
        Case("schedule_unknown", lambda: schedules.make_schedule("sawtooth", _opt()), "sawtooth"),
        Case("step_zero_step_size", lambda: schedules.make_schedule("step", _opt(), step_size=0),
             "step_size"),
        Case("step_negative_gamma", lambda: schedules.make_schedule("step", _opt(), gamma=-0.5),
             "gamma"),
        Case("multistep_negative_milestone", lambda: schedules.make_schedule(
            "multistep", _opt(), milestones=(-5, 10)), "milestones"),
        Case("exponential_zero_gamma", lambda: schedules.make_schedule(
            "exponential", _opt(), gamma=0.0), "gamma"),
        Case("cosine_zero_T_max", lambda: schedules.make_schedule("cosine", _opt(), T_max=0),
             "T_max"),
        Case("cosine_negative_T_max", lambda: schedules.make_schedule("cosine", _opt(), T_max=-3),
             "T_max"),
        Case("warmup_zero_steps", lambda: schedules.make_schedule("warmup", _opt(), warmup=0),
             "warmup"),
        Case("warmup_start_factor_zero", lambda: schedules.make_schedule(
            "warmup", _opt(), start_factor=0.0), "start_factor"),
        Case("warmup_cosine_warmup_ge_total", lambda: schedules.make_schedule(
            "warmup_cosine", _opt(), warmup=10, total=10), "warmup"),
        Case("inverse_time_negative_decay", lambda: schedules.make_schedule(
            "inverse_time", _opt(), decay=-1.0), "decay"),
        Case("onecycle_zero_steps", lambda: schedules.make_schedule(
            "onecycle", _opt(), total_steps=0), "total_steps"),
        Case("lr_curve_negative_steps", lambda: schedules.lr_curve("step", -1), "steps"),
        Case("schedule_unknown_keyword", lambda: schedules.make_schedule("step", _opt(), gama=0.1),
             "gama"),
        # training
        Case("fit_negative_epochs", lambda: train.fit(_linear_model(), _xy(), epochs=-1,
                                                      progress=False), "epochs"),
        Case("fit_zero_batch", lambda: train.fit(_linear_model(), _xy(), batch_size=0,
                                                 progress=False), "batch_size"),
        Case("fit_length_mismatch", lambda: train.fit(
            _linear_model(), (_xy()[0], _xy()[1][:5]), progress=False), "length|X and y"),
        Case("fit_bad_interval", lambda: train.fit(_linear_model(), _xy(),
                                                   scheduler_interval="step", progress=False),
             "scheduler_interval"),
        Case("fit_augment_not_callable", lambda: train.fit(_linear_model(), _xy(), augment=3,
                                                           progress=False), "augment"),
        Case("fit_optimizer_string", lambda: train.fit(_linear_model(), _xy(), optimizer="adam",
                                                       progress=False), "optimizer"),
        Case("fit_early_stopping_without_val", lambda: train.fit(
            _linear_model(), _xy(), early_stopping=train.EarlyStopping(), progress=False),
            "val_data"),
        Case("fit_train_data_a_list", lambda: train.fit(_linear_model(), [1, 2, 3],
                                                        progress=False), "train_data"),
        Case("fit_label_out_of_range", lambda: train.fit(
            _linear_model(), (_xy()[0], torch.full((8,), 5)), progress=False), "label|y"),
        Case("evaluate_zero_batch", lambda: train.evaluate(_linear_model(), _xy(), batch_size=0),
             "batch_size"),
        Case("evaluate_negative_batch", lambda: train.evaluate(_linear_model(), _xy(),
                                                               batch_size=-5), "batch_size"),
        Case("predict_zero_batch", lambda: train.predict(_linear_model(), _xy()[0],
                                                         batch_size=0), "batch_size"),
        Case("predict_negative_batch", lambda: train.predict(_linear_model(), _xy()[0],
                                                             batch_size=-5), "batch_size"),
        Case("ensemble_empty", lambda: train.ensemble_predict([], _xy()[0]), "models"),
        Case("early_stopping_zero_patience", lambda: train.EarlyStopping(patience=0), "patience"),
        Case("early_stopping_negative_delta", lambda: train.EarlyStopping(min_delta=-1.0),
             "min_delta"),
        Case("gradient_noise_negative_eta", lambda: train.GradientNoise(eta=-1.0), "eta"),
        Case("gradient_noise_negative_gamma", lambda: train.GradientNoise(eta=0.1, gamma=-1.0),
             "gamma"),
        Case("sweep_one_rate", lambda: train.sweep_lr(lambda lr: lr, [0.1]), "lrs"),
        Case("sweep_zero_rate", lambda: train.sweep_lr(lambda lr: lr, [0.0, 0.1]), "lrs"),
        Case("sweep_factor_one", lambda: train.sweep_lr(lambda lr: lr, [0.1, 1.0], factor=1.0),
             "factor"),
        Case("sweep_score_not_callable", lambda: train.sweep_lr(0.5, [0.1, 1.0]), "score"),
        Case("sweep_score_a_string", lambda: train.sweep_lr(lambda lr: "low", [0.1, 1.0]),
             "score"),
        # statistics of comparisons
        Case("accuracy_se_p_above_one", lambda: stats.accuracy_se(1.5, 100), "p"),
        Case("accuracy_se_zero_n", lambda: stats.accuracy_se(0.9, 0), "n"),
        Case("mean_sd_one_value", lambda: stats.mean_sd([0.9]), "values"),
        Case("paired_difference_shapes", lambda: stats.paired_difference(
            np.ones((2, 3)), np.ones((2, 4))), "correct_a"),
        Case("paired_difference_one_seed", lambda: stats.paired_difference(
            np.ones((1, 3)), np.ones((1, 3))), "correct_a"),
        Case("paired_difference_not_binary", lambda: stats.paired_difference(
            np.full((2, 3), 0.5), np.ones((2, 3))), "correct_a"),
        Case("paired_difference_1d", lambda: stats.paired_difference(np.ones(3), np.ones(3)),
             "correct_a"),
        # visualisation
        Case("confusion_negative_label", lambda: visualize.confusion_matrix([0, -1], [0, 1]),
             "label"),
        Case("confusion_too_few_classes", lambda: visualize.confusion_matrix(
            [0, 5], [0, 1], num_classes=3), "label|num_classes"),
        Case("confusion_length_mismatch", lambda: visualize.confusion_matrix([0, 1], [0]),
             "y_true"),
        Case("plot_confusion_not_square", lambda: plot.plot_confusion(np.zeros((2, 3))),
             "cm"),
        Case("neighbours_zero_k", lambda: visualize.nearest_neighbours(
            torch.rand(3, 4), torch.rand(5, 4), k=0), "k"),
        Case("neighbours_bad_metric", lambda: visualize.nearest_neighbours(
            torch.rand(3, 4), torch.rand(5, 4), metric="manhattan"), "metric"),
        Case("neighbours_feature_mismatch", lambda: visualize.nearest_neighbours(
            torch.rand(3, 4), torch.rand(5, 3)), "feature"),
        Case("occlusion_zero_patch", lambda: visualize.occlusion_map(
            _linear_model(), _xy()[0][0], 0, patch=0), "patch"),
        Case("occlusion_zero_stride", lambda: visualize.occlusion_map(
            _linear_model(), _xy()[0][0], 0, patch=2, stride=0), "stride"),
        Case("occlusion_target_out_of_range", lambda: visualize.occlusion_map(
            _linear_model(), _xy()[0][0], 7, patch=2), "target"),
        Case("saliency_target_out_of_range", lambda: visualize.saliency_map(
            _linear_model(), _xy()[0][0], 9), "target"),
        Case("class_model_negative_steps", lambda: visualize.class_model(
            _linear_model(), 0, (1, 3, 4), steps=-1), "steps"),
        Case("class_model_target_out_of_range", lambda: visualize.class_model(
            _linear_model(), 5, (1, 3, 4), steps=1), "target"),
        Case("show_filters_2d", lambda: plot.show_filters(torch.zeros(3, 3)), "weight"),
        Case("show_images_zero_columns", lambda: plot.show_images(torch.zeros(2, 1, 4, 4),
                                                                        ncols=0), "ncols"),
        Case("show_images_titles_mismatch", lambda: plot.show_images(
            torch.zeros(2, 1, 4, 4), titles=["a"]), "titles"),
        Case("worst_mistakes_zero_k", lambda: visualize.worst_mistakes(
            _linear_model(), *_xy(), k=0), "k"),
        Case("activation_maps_zero_max", lambda: plot.show_activation_maps(
            torch.zeros(4, 3, 3), max_maps=0), "max_maps"),
        # plots
        Case("contour_levels_zero", lambda: plot.contour_levels(np.ones((3, 3)), 0), "n"),
        Case("surface_grid_resolution_one", lambda: plot.surface_grid(functions.BEALE, 1),
             "resolution"),
        Case("loss_curves_bad_band", lambda: plot.loss_curves(
            __import__("matplotlib.pyplot").pyplot.figure().gca(),
            {"a": np.ones((2, 3))}, band="iqr"), "band"),
        Case("race_animation_no_paths", lambda: plot.race_animation(functions.BEALE, {}),
             "paths"),
        Case("race_animation_zero_frames", lambda: plot.race_animation(
            functions.BEALE, {"sgd": np.zeros((3, 2))}, max_frames=0), "max_frames"),
        # more of our own: a lead's adversarial pass
        Case("schedule_on_a_numpy_optimizer", lambda: schedules.make_schedule(
            "step", optim.SGD(lr=0.1)), "optimizer"),
        Case("lr_curve_negative_lr", lambda: schedules.lr_curve("step", 3, lr=-1.0), "lr"),
        Case("predict_a_list", lambda: train.predict(_linear_model(), [[0.0] * 12]), "X"),
        Case("fit_epochs_float", lambda: train.fit(_linear_model(), _xy(), epochs=2.0,
                                                   progress=False), "epochs"),
        Case("fit_val_labels_out_of_range", lambda: train.fit(
            _linear_model(), _xy(), (_xy()[0], torch.full((8,), 7)), progress=False),
            "label"),
        Case("evaluate_empty_data", lambda: train.evaluate(
            _linear_model(), (torch.zeros(0, 1, 3, 4), torch.zeros(0, dtype=torch.long))),
            "data"),
        Case("gradient_noise_negative_seed", lambda: train.GradientNoise(eta=0.1, seed=-3),
             "seed"),
        Case("budget_gpu_only", lambda: dlsg_utils.budget(gpu=3), "full|smoke"),
        Case("glue_bad_name", lambda: dlsg_utils.glue("test acc", 1.0), "name"),
        Case("cifar_path_that_is_not_there", lambda: data.load_cifar10(
            "test", source="/nonexistent/cifar"), "source"),
        Case("cifar_warn_not_bool", lambda: data.load_cifar10("test", "offline", warn="no"),
             "warn"),
        Case("mnist_directory_a_number", lambda: data.load_mnist(
            "test", "full", directory=3), "directory"),
        Case("datasplit_length_mismatch", lambda: data.DataSplit(
            torch.zeros(3, 1), torch.zeros(2), "x"), "X|y|length"),
        Case("neighbours_k_above_database", lambda: visualize.nearest_neighbours(
            torch.rand(3, 4), torch.rand(5, 4), k=6), "k"),
        Case("quadratic_not_positive_definite", lambda: functions.quadratic(
            [[1.0, 0.0], [0.0, -1.0]]), "A"),
        Case("quadratic_nan", lambda: functions.quadratic([[float("nan"), 0.0], [0.0, 1.0]]),
             "A"),
        Case("run_grad_fn_not_callable", lambda: optim.run(optim.SGD(lr=0.1), "grad",
                                                           [0.0], 3), "grad_fn"),
        Case("optimizer_lr_set_negative", lambda: setattr(optim.SGD(lr=0.1), "lr", -1.0), "lr"),
        Case("conv_output_size_numpy_float", lambda: conv.conv_output_size(np.float64(5), 3),
             "i"),
        Case("resnet_depth_float", lambda: models.ResNetCIFAR(depth=20.0), "depth"),
        Case("mini_alexnet_zero_hidden", lambda: models.MiniAlexNet(hidden=0), "hidden"),
        # issue 25, "Numbers": optimizers
        *[Case(f"optim_same_array_twice_{name}", _step_twice(name), "params")
          for name in optim.OPTIMIZERS],
        Case("optim_complex_gradient", lambda: optim.SGD(lr=0.1).step(
            [np.ones(2)], lambda ps: [np.ones(2) * 1j]), "gradient|grad_fn"),
        Case("optim_none_gradients", lambda: optim.Adam().step(
            [np.ones(()), np.ones(())], lambda ps: [None, None]), "gradient|grad_fn"),
        Case("optim_lr_where_params_belong", lambda: optim.Adam(0.05), "params"),
        # convolution: zero filters, a pooling cache that is not one
        Case("conv_im2col_zero_filters", lambda: conv.conv2d_im2col(x4, np.zeros((0, 1, 3, 3))),
             "filter"),
        Case("conv_forward_zero_filters", lambda: conv.conv2d_forward(x4, np.zeros((0, 1, 3, 3))),
             "filter"),
        Case("avg_pool_backward_cache_none", lambda: conv.avg_pool2d_backward(
            np.zeros((1, 1, 2, 2)), None), "cache"),
        Case("max_pool_backward_cache_none", lambda: conv.max_pool2d_backward(
            np.zeros((1, 1, 2, 2)), None), "cache"),
        # training
        Case("fit_model_a_function", lambda: train.fit(lambda x: x, _xy(), progress=False),
             "model"),
        Case("fit_float_labels", lambda: train.fit(
            _linear_model(), (_xy()[0], _xy()[1].float()), progress=False), "train_data"),
        Case("fit_labels_2d", lambda: train.fit(
            _linear_model(), (_xy()[0], _xy()[1][:, None]), progress=False), "train_data"),
        Case("fit_device_tpu", lambda: train.fit(_linear_model(), _xy(), device="tpu",
                                                 progress=False), "device"),
        Case("fit_loss_fn_a_string", lambda: train.fit(_linear_model(), _xy(), loss_fn="mse",
                                                       progress=False), "loss_fn"),
        Case("fit_grad_noise_a_number", lambda: train.fit(_linear_model(), _xy(), grad_noise=3,
                                                          progress=False), "grad_noise"),
        Case("fit_early_stopping_a_number", lambda: train.fit(
            _linear_model(), _xy(), _xy(), early_stopping=3, progress=False), "early_stopping"),
        Case("fit_shuffle_a_string", lambda: train.fit(_linear_model(), _xy(), shuffle="no",
                                                       progress=False), "shuffle"),
        Case("fit_progress_a_string", lambda: train.fit(_linear_model(), _xy(), progress="no"),
             "progress"),
        Case("fit_order_floats", lambda: train.fit(_linear_model(), _xy(), order=[0.5, 1.7],
                                                   progress=False), "order"),
        # (a NaN or huge loss is not a bad argument: fit stops with a TrainingDiverged warning,
        # tested in test_train.py)
        Case("evaluate_model_a_function", lambda: train.evaluate(lambda x: x, _xy()), "model"),
        Case("evaluate_float_labels", lambda: train.evaluate(
            _linear_model(), (_xy()[0], _xy()[1].float())), "data"),
        Case("evaluate_device_tpu", lambda: train.evaluate(_linear_model(), _xy(), device="tpu"),
             "device"),
        Case("predict_model_a_function", lambda: train.predict(lambda x: x, _xy()[0]), "model"),
        Case("predict_device_tpu", lambda: train.predict(_linear_model(), _xy()[0], device="tpu"),
             "device"),
        Case("ensemble_predict_one_model", lambda: train.ensemble_predict(
            _linear_model(), _xy()[0]), "models"),
        Case("ensemble_predict_a_string", lambda: train.ensemble_predict("ab", _xy()[0]),
             "models"),
        # models given an input with the wrong number of channels
        Case("resnet_one_channel_input", lambda: models.ResNetCIFAR(8)(torch.zeros(2, 1, 32, 32)),
             "channels"),
        Case("plain_one_channel_input", lambda: models.PlainCIFAR(8)(torch.zeros(2, 1, 32, 32)),
             "channels"),
        Case("alexnet_one_channel_input", lambda: models.AlexNet()(torch.zeros(1, 1, 227, 227)),
             "channels"),
        Case("mini_alexnet_one_channel_input", lambda: models.MiniAlexNet()(
            torch.zeros(2, 1, 32, 32)), "channels"),
        # data, schedules
        Case("crop_a_numpy_batch", lambda: data.RandomCropFlip()(np.zeros((2, 3, 8, 8))), "xb"),
        Case("mnist_directory_a_file", lambda: data.load_mnist(
            "test", "full", mirrors=["http://127.0.0.1:9/"], directory=_a_file()), "directory"),
        Case("onecycle_stepped_past_total_steps", _onecycle_past_the_end, "total_steps"),
        # widgets
        Case("playground_unknown_surface", lambda: widgets.optimizer_playground(surface="moon"),
             "surface"),
        Case("playground_negative_lr", lambda: widgets.optimizer_playground(lr=-1.0), "lr"),
    ]
    return cases


CASES = _cases()
