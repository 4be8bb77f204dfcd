"""dlsg_utils.linear: softmax regression loss and gradient."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from dlsg_utils.linear import accuracy, softmax, softmax_cross_entropy


def _problem(seed=0, b=13, d=5, K=4):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(d, K)), rng.normal(size=(b, d)), rng.integers(0, K, size=b)


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_loss_and_gradient_equal_torch_autograd(weight_decay):
    W, X, y = _problem()
    loss, grad = softmax_cross_entropy(W, X, y, weight_decay)
    Wt = torch.tensor(W, requires_grad=True)
    ref = F.cross_entropy(torch.tensor(X) @ Wt, torch.tensor(y)) + weight_decay / 2 * (Wt**2).sum()
    ref.backward()
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(grad, Wt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_gradient_is_the_mean_of_per_example_gradients():
    W, X, y = _problem(1)
    per_example = [softmax_cross_entropy(W, X[i : i + 1], y[i : i + 1])[1] for i in range(len(y))]
    np.testing.assert_allclose(softmax_cross_entropy(W, X, y)[1], np.mean(per_example, 0),
                               rtol=1e-12)


def test_loss_at_zero_weights_is_log_of_number_of_classes():
    _, X, y = _problem(2, K=10)
    assert softmax_cross_entropy(np.zeros((5, 10)), X, y)[0] == pytest.approx(np.log(10))


def test_softmax_is_stable_for_huge_scores_and_rows_sum_to_one():
    P = softmax(np.array([[1000.0, 1001.0, 999.0], [-1e4, 0.0, 1e4]]))
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(1), 1.0)
    loss, grad = softmax_cross_entropy(np.eye(3) * 1e4, np.eye(3)[[0, 1]], np.array([1, 0]))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))


def test_does_not_modify_its_inputs():
    W, X, y = _problem(3)
    copies = W.copy(), X.copy(), y.copy()
    softmax_cross_entropy(W, X, y, 0.5)
    for a, b in zip((W, X, y), copies, strict=True):
        np.testing.assert_array_equal(a, b)


def test_accuracy_counts_argmax_matches():
    X = np.eye(3)
    assert accuracy(np.eye(3), X, np.array([0, 1, 2])) == 1.0
    assert accuracy(np.eye(3), X, np.array([0, 2, 1])) == pytest.approx(1 / 3)


def test_mismatched_shapes_name_what_was_received():
    W, X, y = _problem(4)
    with pytest.raises(ValueError, match="shapes do not match"):
        softmax_cross_entropy(W, X[:, :-1], y)
    with pytest.raises(ValueError, match="expected X"):
        softmax_cross_entropy(W, X[0], y)


def test_design_matrix_flattens_each_image_into_a_row_and_appends_a_constant_one():
    import torch

    from dlsg_utils.linear import design_matrix

    images = torch.arange(2 * 1 * 3 * 3, dtype=torch.float32).reshape(2, 1, 3, 3)
    X = design_matrix(images)
    assert X.dtype == np.float32 and X.shape == (2, 10)
    assert X[1, :9].tolist() == list(range(9, 18)) and X[:, 9].tolist() == [1.0, 1.0]
    assert design_matrix(images.numpy(), bias=False).shape == (2, 9)
    with pytest.raises(ValueError, match="images must be"):
        design_matrix(np.zeros(5))
