"""dlsg_utils.gradients: layer-by-layer gradient norms recorded through hooks."""

import pytest
import torch
import torch.nn.functional as F

from dlsg_utils.gradients import GradientNorms, block_modules, conv_weights
from dlsg_utils.models import BasicBlock, PlainCIFAR, ResNetCIFAR
from dlsg_utils.train import fit


def _batch(n=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 3, 32, 32, generator=g), torch.randint(0, 10, (n,), generator=g)


def test_block_modules_lists_every_block_in_forward_order():
    net = ResNetCIFAR(14, width=4)
    names = list(block_modules(net))
    assert names == ["stage1.0", "stage1.1", "stage2.0", "stage2.1", "stage3.0", "stage3.1"]
    assert all(isinstance(m, BasicBlock) for m in block_modules(net).values())


def test_conv_weights_lists_the_6n_plus_1_convolutions_of_a_plain_net():
    assert len(conv_weights(PlainCIFAR(20, width=4))) == 19


def test_block_modules_refuses_a_model_without_blocks():
    with pytest.raises(ValueError, match="no blocks"):
        block_modules(torch.nn.Linear(3, 2))


def test_recorded_output_gradient_norm_equals_the_autograd_gradient_of_that_output():
    torch.manual_seed(0)
    net = ResNetCIFAR(8, width=4)
    X, y = _batch()
    kept = {}
    block = net.stage2[0]

    def keep(module, inputs, output):  # a forward hook that returns None keeps the output
        output.retain_grad()
        kept["a"] = output

    handle = block.register_forward_hook(keep)
    with GradientNorms(net, outputs={"b": block}) as g:
        F.cross_entropy(net(X), y).backward()
    handle.remove()
    assert len(g.history["b"]) == 1
    assert float(g.history["b"][0]) == pytest.approx(float(kept["a"].grad.norm()), rel=1e-6)


def test_recorded_weight_gradient_norm_equals_the_norm_of_the_parameters_grad():
    torch.manual_seed(0)
    net = PlainCIFAR(8, width=4)
    X, y = _batch()
    with GradientNorms(net, params=conv_weights(net)) as g:
        F.cross_entropy(net(X), y).backward()
    for name, w in conv_weights(net).items():
        assert float(g.history[name][0]) == pytest.approx(float(w.grad.norm()), rel=1e-6)


def test_one_record_per_backward_pass_and_none_without_gradients_or_after_remove():
    torch.manual_seed(0)
    net = ResNetCIFAR(8, width=4)
    X, y = _batch()
    g = GradientNorms(net, outputs=block_modules(net), params=conv_weights(net))
    for _ in range(3):
        F.cross_entropy(net(X), y).backward()
    with torch.no_grad():
        net(X)
    assert g.array().shape == (3, len(g.names))
    g.remove()
    F.cross_entropy(net(X), y).backward()
    assert g.array().shape == (3, len(g.names))


def test_recorder_sees_every_optimizer_step_of_fit():
    torch.manual_seed(0)
    net = ResNetCIFAR(8, width=4)
    X, y = _batch(40)
    with GradientNorms(net, outputs=block_modules(net)) as g:
        fit(net, (X, y), (X, y), torch.optim.SGD(net.parameters(), lr=0.01), 2, batch_size=16,
            progress=False, seed=0)
    assert g.array().shape == (2 * 3, 3)  # 3 mini-batches per epoch; evaluation adds nothing


def test_measure_returns_one_pass_and_leaves_the_model_as_it_was():
    torch.manual_seed(0)
    net = ResNetCIFAR(8, width=4).eval()
    X, y = _batch()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    g = GradientNorms(net, outputs=block_modules(net), params=conv_weights(net))
    result = g.measure(X, y)
    assert set(result) == set(g.names) and all(v > 0 for v in result.values())
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    assert not net.training
    assert all(p.grad is None for p in net.parameters())
    assert g.array().shape == (0, len(g.names))


def test_plain_net_gradients_grow_toward_the_input_far_more_than_the_resnets_at_init():
    # the fact chapter 13 plots: with batch norm, a deep plain net's gradients explode toward
    # the input at initialisation; the identity shortcuts keep them within a small factor
    X, y = _batch(64)
    ratios = {}
    for make in (PlainCIFAR, ResNetCIFAR):
        torch.manual_seed(0)
        net = make(32, width=8)
        norms = GradientNorms(net, outputs=block_modules(net)).measure(X, y)
        values = list(norms.values())
        ratios[make.__name__] = values[0] / values[-1]
    assert ratios["PlainCIFAR"] > 5 * ratios["ResNetCIFAR"]


def test_bad_arguments_get_clear_errors():
    net = ResNetCIFAR(8, width=4)
    with pytest.raises(ValueError, match="watch something"):
        GradientNorms(net)
    with pytest.raises(ValueError, match="unique"):
        GradientNorms(net, outputs={"a": net.stage1}, params={"a": net.conv1.weight})
