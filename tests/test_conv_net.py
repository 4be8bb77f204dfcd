"""dlsg_utils.conv.net (the NumPy ConvNet), the (out, cache) layer convention and the package's
softmax loss, against numerical gradients and torch (float64)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlsg_utils.conv import (
    ConvCache,
    TinyConvNet,
    affine_backward,
    affine_forward,
    conv2d_backward,
    conv2d_forward,
    max_pool2d,
    max_pool2d_backward,
    numerical_gradient,
    relu_backward,
    relu_forward,
    sgd_step,
    torch_twin,
)
from dlsg_utils.linear import softmax_cross_entropy, softmax_loss


def rel_error(a, b):
    return np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b)))


def test_affine_backward_passes_numerical_gradient_check():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(3, 2, 4)), rng.normal(size=(8, 5)), rng.normal(size=5)
    dout = rng.normal(size=(3, 5))
    dx, dw, db = affine_backward(dout, affine_forward(x, w, b)[1])
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == b.shape
    assert rel_error(dx, numerical_gradient(lambda v: np.sum(affine_forward(v, w, b)[0] * dout), x)) < 1e-8
    assert rel_error(dw, numerical_gradient(lambda v: np.sum(affine_forward(x, v, b)[0] * dout), w)) < 1e-8
    assert rel_error(db, numerical_gradient(lambda v: np.sum(affine_forward(x, w, v)[0] * dout), b)) < 1e-8


def test_softmax_loss_equals_torch_cross_entropy_and_its_gradient():
    rng = np.random.default_rng(1)
    scores, y = rng.normal(size=(6, 10)) * 5, rng.integers(0, 10, 6)
    loss, ds = softmax_loss(scores, y)
    t = torch.tensor(scores, requires_grad=True)
    ref = F.cross_entropy(t, torch.tensor(y))
    ref.backward()
    assert abs(loss - ref.item()) < 1e-12
    np.testing.assert_allclose(ds, t.grad.numpy(), atol=1e-14)


def test_softmax_loss_is_stable_for_huge_scores():
    loss, ds = softmax_loss(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]))
    assert np.isfinite(loss) and np.isfinite(ds).all()
    assert loss == pytest.approx(500.0)


def test_every_layer_pairs_a_forward_returning_out_and_cache_with_a_backward_taking_them():
    rng = np.random.default_rng(2)
    x, w, b = rng.normal(size=(2, 2, 6, 6)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    out, cache = conv2d_forward(x, w, b, 1, 1)
    assert out.shape == (2, 3, 6, 6) and isinstance(cache, ConvCache)
    dout = rng.normal(size=out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    # The loss is linear in w, so central differences have no truncation error at any h; a
    # large h keeps the rounding error (about eps·|f|/h) far below the tolerance.
    numeric = numerical_gradient(lambda v: np.sum(conv2d_forward(x, v, b, 1, 1)[0] * dout), w, h=1e-3)
    assert rel_error(dw, numeric) < 1e-8
    # a cache written by hand, (x, w, stride, padding), gives the same gradients
    for mine, theirs in zip(conv2d_backward(dout, (x, w, 1, 1)), (dx, dw, db), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    h, c = relu_forward(out)
    assert np.array_equal(h, np.maximum(out, 0))
    assert np.array_equal(relu_backward(dout, c), np.where(out > 0, dout, 0))
    p, c = max_pool2d(out, 2)
    assert p.shape == (2, 3, 3, 3)
    assert max_pool2d_backward(np.ones_like(p), c).sum() == p.size


def test_softmax_regression_uses_the_one_softmax_loss():
    """softmax_cross_entropy(W, X, y) is softmax_loss(X W, y) with the gradient Xᵀ dscores."""
    rng = np.random.default_rng(5)
    W, X, y = rng.normal(size=(4, 3)), rng.normal(size=(7, 4)), rng.integers(0, 3, 7)
    loss, grad = softmax_cross_entropy(W, X, y)
    ref_loss, dscores = softmax_loss(X @ W, y)
    assert loss == ref_loss
    np.testing.assert_allclose(grad, X.T @ dscores, rtol=0, atol=1e-15)


def _small_net():
    net = TinyConvNet(input_shape=(1, 8, 8), num_filters=2, kernel=3, pool=2, num_classes=3, seed=3)
    rng = np.random.default_rng(3)
    for k in net.params:
        net.params[k] += 0.1 * rng.normal(size=net.params[k].shape)  # non-zero biases too
    return net, rng.normal(size=(4, 1, 8, 8)), rng.integers(0, 3, 4)


def test_tiny_convnet_gradients_pass_numerical_gradient_check():
    net, X, y = _small_net()
    _, grads = net.loss(X, y)
    for name, value in net.params.items():
        def f(v, name=name):
            old = net.params[name]
            net.params[name] = v
            try:
                return net.loss(X, y)[0]
            finally:
                net.params[name] = old
        assert rel_error(grads[name], numerical_gradient(f, value.copy())) < 1e-6, name


def test_tiny_convnet_loss_and_gradients_equal_torch_autograd():
    net, X, y = _small_net()
    loss, grads = net.loss(X, y)
    model = torch_twin(net)
    ref = F.cross_entropy(model(torch.from_numpy(X)), torch.from_numpy(y))
    ref.backward()
    assert abs(loss - ref.item()) < 1e-12
    torch_grads = [model[0].weight.grad, model[0].bias.grad, model[4].weight.grad.T, model[4].bias.grad]
    for name, g in zip(["W1", "b1", "W2", "b2"], torch_grads, strict=True):
        np.testing.assert_allclose(grads[name], g.numpy(), atol=1e-12, err_msg=name)


def test_sgd_training_matches_torch_sgd_to_1e_10_after_20_steps():
    net = TinyConvNet(input_shape=(1, 12, 12), num_filters=3, kernel=5, num_classes=4, seed=0)
    model = torch_twin(net)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    for _ in range(20):
        X, y = rng.normal(size=(8, 1, 12, 12)), rng.integers(0, 4, 8)
        loss, grads = net.loss(X, y)
        sgd_step(net.params, grads, 0.1)
        opt.zero_grad()
        ref = F.cross_entropy(model(torch.from_numpy(X)), torch.from_numpy(y))
        ref.backward()
        opt.step()
        assert abs(loss - ref.item()) < 1e-10
    np.testing.assert_allclose(net.params["W1"], model[0].weight.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(net.params["W2"], model[4].weight.detach().numpy().T, atol=1e-10)


def test_layer_shapes_of_the_chapter_network():
    net = TinyConvNet()
    shapes = dict(net.layer_shapes(np.zeros((2, 1, 28, 28))))
    assert shapes["conv"] == (2, 4, 24, 24)
    assert shapes["max-pool"] == (2, 4, 12, 12)
    assert shapes["affine (scores)"] == (2, 10)
    assert net.params["W2"].shape == (576, 10)


def test_bad_inputs_raise_value_error_naming_the_shapes():
    with pytest.raises(ValueError, match="expects 5"):
        affine_forward(np.zeros((2, 4)), np.zeros((5, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="dout must have shape"):
        affine_backward(np.zeros((2, 4)), (np.zeros((2, 5)), np.zeros((5, 3))))
    with pytest.raises(ValueError, match=r"y must hold class labels in \[0, 3\)"):
        softmax_loss(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"y must be \(N,\) = \(2,\)"):
        softmax_loss(np.zeros((2, 3)), np.array([0]))
    with pytest.raises(TypeError, match="cache must be what conv2d_forward returned"):
        conv2d_backward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 4, 4)))
