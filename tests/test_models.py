"""dlsg_utils.models: parameter counts against the papers, shapes, summary tables, training."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dlsg_utils import models  # noqa: E402
from dlsg_utils.data import load_mnist  # noqa: E402
from dlsg_utils.models import (  # noqa: E402
    AlexNet,
    BasicBlock,
    LeNet5,
    MiniAlexNet,
    PlainCIFAR,
    ResNetCIFAR,
    count_connections,
    count_parameters,
    summary,
)
from dlsg_utils.models.alexnet import _paper_lrn  # noqa: E402
from dlsg_utils.plot import draw_architecture  # noqa: E402
from dlsg_utils.train import evaluate, fit  # noqa: E402

# He et al. (2015), Table 6 / ../shared/REFERENCE_FACTS.md: option A parameter counts
RESNET_PARAMS = {20: 269_722, 32: 464_154, 44: 658_586, 56: 853_018, 110: 1_727_962}


def test_modern_lenet5_has_61706_parameters():
    assert count_parameters(LeNet5("modern")) == 61_706


def test_classic_lenet5_has_the_papers_60000_parameters_and_340908_connections():
    net = LeNet5("classic")
    assert net.trainable_parameters() == 60_000
    counts = count_connections(net, (1, 32, 32))
    assert counts["total"] == 340_908
    assert counts["features.4"] == 151_600  # C3 with its sparse connection table


def test_classic_c3_table_has_60_connections_and_its_missing_weights_stay_zero():
    net = LeNet5("classic")
    assert int(models.LECUN_C3_TABLE.sum()) == 60
    c3 = net.features[4]
    x = torch.randn(8, 1, 32, 32)
    torch.nn.functional.cross_entropy(net(x), torch.arange(8)).backward()
    assert float((c3.weight.grad * (1 - c3.mask)).abs().max()) == 0.0


@pytest.mark.parametrize("depth", sorted(RESNET_PARAMS))
def test_resnet_option_a_parameter_counts_match_the_paper(depth):
    assert count_parameters(ResNetCIFAR(depth, "A")) == RESNET_PARAMS[depth]


@pytest.mark.parametrize("depth", [20, 56])
def test_plain_net_has_the_same_parameters_as_option_a(depth):
    # option A shortcuts are parameter-free, so removing them changes no count
    assert count_parameters(PlainCIFAR(depth)) == RESNET_PARAMS[depth]


def test_option_b_adds_exactly_two_projections_with_batch_norm():
    # 16->32 and 32->64: 1x1 conv weights + BN weight and bias
    extra = (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64)
    assert count_parameters(ResNetCIFAR(20, "B")) - RESNET_PARAMS[20] == extra


def test_alexnet_parameter_counts():
    assert count_parameters(AlexNet(variant="single")) == 61_100_840
    assert count_parameters(AlexNet(variant="paper")) == 60_965_224


@pytest.mark.parametrize("make, shape, out", [
    (lambda: LeNet5("modern"), (1, 28, 28), 10),
    (lambda: LeNet5("classic"), (1, 32, 32), 10),
    (lambda: MiniAlexNet(), (3, 32, 32), 10),
    (lambda: MiniAlexNet(in_channels=1, num_classes=7, lrn=True, overlap=False), (1, 32, 32), 7),
    (lambda: ResNetCIFAR(20), (3, 32, 32), 10),
    (lambda: ResNetCIFAR(8, "B", num_classes=4, width=4), (3, 32, 32), 4),
    (lambda: PlainCIFAR(14, width=4), (3, 32, 32), 10),
], ids=["lenet5-modern", "lenet5-classic", "mini-alexnet", "mini-alexnet-1ch", "resnet20",
        "resnet8-b", "plain14"])
def test_forward_shapes(make, shape, out):
    assert make()(torch.zeros(3, *shape)).shape == (3, out)


@pytest.mark.parametrize("variant, shape", [("single", (3, 224, 224)), ("paper", (3, 227, 227))])
def test_alexnet_forward_shape(variant, shape):
    with torch.no_grad():
        assert AlexNet(variant=variant).eval()(torch.zeros(1, *shape)).shape == (1, 1000)


def test_lenet_rejects_the_wrong_input_size_with_a_clear_message():
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 1, 32, 32\), "
                                         r"got \(2, 1, 28, 28\)"):
        LeNet5("classic")(torch.zeros(2, 1, 28, 28))


@pytest.mark.parametrize("make, match", [
    (lambda: LeNet5("retro"), "variant must be 'modern' or 'classic', got 'retro'"),
    (lambda: ResNetCIFAR(21), "depth must be 6n\\+2"),
    (lambda: ResNetCIFAR(20, "C"), "shortcut must be 'A' or 'B', got 'C'"),
    (lambda: MiniAlexNet(activation="gelu"), "activation must be one of"),
    (lambda: AlexNet(variant="two"), "variant must be 'single' or 'paper'"),
])
def test_bad_arguments_get_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("make, shape", [
    (LeNet5, (1, 28, 28)), (lambda: ResNetCIFAR(20), (3, 32, 32)), (MiniAlexNet, (3, 32, 32)),
], ids=["lenet5", "resnet20", "mini-alexnet"])
def test_summary_totals_equal_the_parameter_count(make, shape):
    model = make()
    stats = summary(model, shape)
    assert stats.total_params == sum(p.numel() for p in model.parameters())


def test_summary_counts_the_resnet20_multiply_accumulates():
    # 40.55M MACs (REFERENCE_FACTS); torchinfo also counts the batch-norm and bias terms
    stats = summary(ResNetCIFAR(20), (3, 32, 32))
    assert abs(stats.total_mult_adds - 40.55e6) < 0.01e6


def test_summary_of_lenet_lists_conv_macs_and_reads_in_millions():
    stats = summary(LeNet5(), (1, 28, 28))
    text = str(stats)
    assert "122,304" in text  # conv1: 28*28*6 outputs x (25 weights + 1 bias)
    assert "Total mult-adds (millions): 0.42" in text and "Units." not in text


def test_summary_leaves_the_model_in_training_mode():
    net = LeNet5().train()
    summary(net, (1, 28, 28))
    assert net.training


def test_option_a_shortcut_subsamples_and_zero_pads_channels():
    block = BasicBlock(4, 8, stride=2, shortcut="A")
    x = torch.randn(2, 4, 6, 6)
    s = block.shortcut(x)
    assert s.shape == (2, 8, 3, 3)
    assert torch.equal(s[:, 2:6], x[:, :, ::2, ::2])
    assert float(s[:, :2].abs().max()) == 0.0 and float(s[:, 6:].abs().max()) == 0.0


def test_residual_block_with_zero_residual_passes_relu_of_its_input():
    block = BasicBlock(4, 4, shortcut="A")
    torch.nn.init.zeros_(block.bn2.weight)  # F(x) = 0
    x = torch.randn(2, 4, 5, 5)
    assert torch.allclose(block.eval()(x), torch.relu(x))
    plain = BasicBlock(4, 4, shortcut=None)
    torch.nn.init.zeros_(plain.bn2.weight)
    with torch.no_grad():
        assert float(plain.eval()(x).abs().max()) == 0.0


def test_draw_architecture_draws_one_stack_per_layer():
    ax = draw_architecture(LeNet5(), (1, 28, 28),
                                  names=["C1", "S2", "C3", "S4", "F5", "F6", "out"])
    labels = [t.get_text() for t in ax.texts]
    assert "6@28x28" in labels and "16@5x5" in labels and "C3" in labels and "84" in labels
    plt.close("all")
    with pytest.raises(ValueError, match="names must label the 7 drawn layers"):
        draw_architecture(LeNet5(), (1, 28, 28), names=["C1"])


def test_short_training_run_lifts_lenet_well_above_chance():
    torch.manual_seed(0)
    X, y = load_mnist("train", source="offline")
    Xt, yt = load_mnist("test", source="offline")
    net = LeNet5()
    fit(net, (X[:2000], y[:2000]), None, lambda p: torch.optim.Adam(p, lr=3e-3), epochs=2,
        batch_size=64, progress=False, seed=0, device="cpu")
    _, acc = evaluate(net, (Xt, yt), device="cpu")
    assert acc > 0.80  # chance is 0.10


def test_fit_applies_augment_to_training_batches_only():
    seen = []

    def record(xb):
        seen.append(xb.shape[0])
        return xb * 0  # the model then sees only zeros during training

    torch.manual_seed(0)
    X, y = torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))
    net = LeNet5()
    h = fit(net, (X, y), (X, y), None, epochs=1, batch_size=16, augment=record,
            progress=False, device="cpu")
    assert seen == [16, 16] and len(h.val_loss) == 1
    with pytest.raises(TypeError, match="augment must be callable, got int 3"):
        fit(net, (X, y), None, None, epochs=1, augment=3, progress=False)


def test_paper_lrn_matches_krizhevsky_formula_with_alpha_1e4():
    torch.manual_seed(0)
    a = torch.rand(2, 12, 3, 3) * 4
    n, k, alpha, beta = 5, 2.0, 1e-4, 0.75
    sq = a.pow(2)
    window = torch.stack([sq[:, max(0, i - n // 2):i + n // 2 + 1].sum(dim=1)
                          for i in range(a.shape[1])], dim=1)
    expected = a / (k + alpha * window) ** beta
    assert torch.allclose(_paper_lrn()(a), expected, atol=1e-6)


def _relu_input_variances(net, x):
    """Variance of the input of every ReLU of ``net`` (in forward order) for the batch x."""
    seen = []
    hooks = [m.register_forward_hook(lambda mod, inp, out: seen.append(float(inp[0].var())))
             for m in net.modules() if isinstance(m, torch.nn.ReLU)]
    with torch.no_grad():
        net.eval()(x)
    for h in hooks:
        h.remove()
    return seen


def test_init_he_draws_weights_with_variance_2_over_fan_in_and_zero_biases():
    torch.manual_seed(0)
    net = models.init_he(torch.nn.Sequential(torch.nn.Conv2d(16, 64, 5), torch.nn.Linear(400, 300)))
    conv, lin = net
    assert abs(float(conv.weight.var()) / (2 / (16 * 25)) - 1) < 0.05
    assert abs(float(lin.weight.var()) / (2 / 400) - 1) < 0.05
    assert not conv.bias.any() and not lin.bias.any()


def test_init_he_keeps_the_variance_of_a_relu_stack_where_the_default_divides_it_by_6():
    torch.manual_seed(0)
    layers = []
    for _ in range(6):
        layers += [torch.nn.Conv2d(32, 32, 3, padding=1, bias=False), torch.nn.ReLU()]
    x = torch.randn(32, 32, 16, 16)
    default = _relu_input_variances(torch.nn.Sequential(*layers), x)
    he = _relu_input_variances(models.init_he(torch.nn.Sequential(*layers)), x)
    default_ratio = (default[-1] / default[0]) ** (1 / 5)   # per layer
    he_ratio = (he[-1] / he[0]) ** (1 / 5)
    assert abs(default_ratio * 6 - 1) < 0.25, default_ratio
    assert abs(he_ratio - 1) < 0.25, he_ratio


def test_init_he_keeps_minialexnet_from_starting_almost_silent():
    torch.manual_seed(0)
    x = torch.randn(64, 3, 32, 32)
    default = _relu_input_variances(MiniAlexNet(dropout=0.0), x)
    he = _relu_input_variances(models.init_he(MiniAlexNet(dropout=0.0)), x)
    assert len(he) == len(default) == 7
    assert default[-1] / default[0] < 0.01
    assert he[-1] / he[0] > 1


def test_preact_stack_obeys_eq4_the_output_is_the_input_plus_every_residual():
    # He et al. (2016), "Identity mappings", eq. (4): x_L = x_l + sum_i F(x_i)
    torch.manual_seed(0)
    blocks = [models.PreActBlock(4).eval() for _ in range(5)]
    x = torch.randn(2, 4, 6, 6)
    with torch.no_grad():
        total, h = torch.zeros_like(x), x
        for b in blocks:
            total += b.residual(h)
            h = b(h)
    assert torch.allclose(h, x + total, atol=1e-5)


def test_plain_preact_unit_is_its_residual_and_has_the_same_parameters():
    torch.manual_seed(0)
    res, plain = models.PreActBlock(4), models.PreActBlock(4, shortcut=False)
    plain.load_state_dict(res.state_dict())
    x = torch.randn(2, 4, 5, 5)
    assert torch.equal(plain(x), res.residual(x))
    assert count_parameters(res) == count_parameters(plain) == 2 * 9 * 16 + 2 * 2 * 4


def test_bottleneck_256_64_has_the_papers_1x1_3x3_1x1_weights_plus_batch_norm():
    # He et al. (2015), Fig. 5 right: 256-d in, 1x1 64, 3x3 64, 1x1 256
    block = models.Bottleneck(256, 64)
    weights = 256 * 64 + 9 * 64 * 64 + 64 * 256
    assert weights == 69_632
    assert count_parameters(block) == weights + 2 * (64 + 64 + 256)
    assert isinstance(block.shortcut, torch.nn.Identity)


def test_bottleneck_projection_shortcut_adds_a_1x1_convolution_with_batch_norm():
    plain_id = count_parameters(models.Bottleneck(256, 64))
    assert count_parameters(models.Bottleneck(256, 64, projection=True)) == \
        plain_id + 256 * 256 + 2 * 256
    down = models.Bottleneck(256, 128, stride=2)  # the first block of conv3_x
    assert down(torch.randn(1, 256, 8, 8)).shape == (1, 512, 4, 4)


def test_bottleneck_with_zero_last_batch_norm_passes_a_nonnegative_input_unchanged():
    block = models.Bottleneck(32, 8).eval()
    with torch.no_grad():
        block.bn3.weight.zero_()
        block.bn3.bias.zero_()
        x = torch.relu(torch.randn(2, 32, 5, 5))
        assert torch.equal(block(x), x)
