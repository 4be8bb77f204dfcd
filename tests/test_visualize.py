"""dlsg_utils.visualize: confusion matrices, worst mistakes, activations and their figures."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from dlsg_utils import plot as P  # noqa: E402
from dlsg_utils import visualize as V  # noqa: E402
from dlsg_utils.models import LeNet5  # noqa: E402


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    cm = V.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], num_classes=3)
    assert cm.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert cm.sum() == 6 and np.trace(cm) == 4


def test_confusion_matrix_rejects_bad_labels():
    with pytest.raises(ValueError, match="same length"):
        V.confusion_matrix([0, 1], [0])
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 2\)"):
        V.confusion_matrix([0, 3], [0, 1], num_classes=2)


class _Fixed(nn.Module):
    """Returns preset logits, one row per input (the input's first pixel is the row index)."""

    def __init__(self, logits):
        super().__init__()
        self.logits = nn.Parameter(torch.as_tensor(logits, dtype=torch.float32))

    def forward(self, x):
        return self.logits[x[:, 0].long()]


def test_worst_mistakes_orders_wrong_answers_by_confidence():
    logits = [[5.0, 0, 0], [0, 3.0, 0], [0, 0, 9.0], [1.0, 0, 0]]
    y = torch.tensor([0, 0, 1, 2])  # rows 1, 2, 3 are wrong; row 2 most confidently
    X = torch.arange(4.0).reshape(4, 1)
    idx, pred, conf = V.worst_mistakes(_Fixed(logits), X, y, k=2)
    assert idx.tolist() == [2, 1] and pred.tolist() == [2, 1]
    assert float(conf[0]) > float(conf[1])


def test_activations_record_each_layer_in_forward_order_with_its_shape():
    net = LeNet5()
    acts = V.activations(net, torch.zeros(1, 1, 28, 28))
    assert list(acts)[:3] == ["features.0", "features.1", "features.2"]
    assert acts["features.0"].shape == (1, 6, 28, 28)
    assert acts["features.5"].shape == (1, 16, 5, 5)
    assert acts["classifier.5"].shape == (1, 10)


def test_figures_are_drawn_with_one_panel_per_item():
    net = LeNet5()
    fig = P.show_filters(net.features[0].weight)
    assert sum(len(ax.images) > 0 for ax in fig.axes) == 6
    fig = P.show_activation_maps(torch.rand(1, 16, 10, 10), max_maps=12)
    assert sum(len(ax.images) > 0 for ax in fig.axes) == 12
    fig = P.show_images(torch.rand(5, 3, 8, 8), [str(i) for i in range(5)], ncols=3)
    assert sum(len(ax.images) > 0 for ax in fig.axes) == 5
    ax = P.plot_confusion(np.eye(3, dtype=int) * 5 + 1)
    assert ax.get_xlabel() == "predicted class"
    plt.close("all")


def test_figure_helpers_reject_wrong_shapes():
    with pytest.raises(ValueError, match=r"shape \(F, C, k, k\)"):
        P.show_filters(torch.zeros(6, 5, 5))
    with pytest.raises(ValueError, match="maps of one example"):
        P.show_activation_maps(torch.zeros(2, 3, 4, 4))


# --- chapter 14: saliency, occlusion, class models, retrieval -------------------------------


def _linear(c=3, h=4, w=5, k=6, seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, k))


def test_saliency_of_a_linear_model_is_the_absolute_weight_row_max_over_channels():
    net = _linear()
    W = net[1].weight.detach()
    x = torch.randn(2, 3, 4, 5)
    sal = V.saliency_map(net, x, target=[1, 4])
    assert sal.shape == (2, 4, 5)
    for i, t in enumerate([1, 4]):
        torch.testing.assert_close(sal[i], W[t].abs().reshape(3, 4, 5).amax(dim=0))
    predicted = net(x[:1]).argmax().item()
    one = V.saliency_map(net, x[0])  # one image, default target: the predicted class
    torch.testing.assert_close(one, W[predicted].abs().reshape(3, 4, 5).amax(dim=0))
    assert all(p.grad is None for p in net.parameters())  # parameter gradients untouched


def test_saliency_equals_autograd_on_a_convnet_and_restores_train_mode():
    net = LeNet5().train()
    x = torch.rand(1, 1, 28, 28)
    sal = V.saliency_map(net, x, target=3)
    net.eval()
    xg = x.clone().requires_grad_(True)
    net(xg)[0, 3].backward()
    torch.testing.assert_close(sal[0], xg.grad[0, 0].abs())
    net.train()
    V.saliency_map(net, x, target=3)
    assert net.training


def test_saliency_rejects_bad_input():
    net = _linear()
    with pytest.raises(ValueError, match=r"one image \(C, H, W\) or a batch"):
        V.saliency_map(net, torch.zeros(4, 5))
    with pytest.raises(ValueError, match=r"target must lie in \[0, 6\), got 6"):
        V.saliency_map(net, torch.zeros(3, 4, 5), target=6)
    with pytest.raises(ValueError, match="one class per image: 2 images, 3 targets"):
        V.saliency_map(net, torch.zeros(2, 3, 4, 5), target=[0, 1, 2])


class _RegionNet(nn.Module):
    """Class 1's logit is 4 x the mean of rows 3:6, columns 5:8; class 0's logit is 0."""

    def forward(self, x):
        s = 4 * x[:, :, 3:6, 5:8].mean(dim=(1, 2, 3))
        return torch.stack([torch.zeros_like(s), s], dim=1)

    def parameters(self, recurse=True):
        return iter([])


def test_occlusion_map_drops_exactly_where_the_patch_covers_the_region():
    x = torch.ones(1, 10, 12)
    occ = V.occlusion_map(_RegionNet(), x, target=1, patch=2, stride=1)
    assert occ.shape == (9, 11)
    p_full = torch.sigmoid(torch.tensor(4.0))
    for i in range(9):
        for j in range(11):
            covered = len(set(range(i, i + 2)) & {3, 4, 5}) * len(set(range(j, j + 2)) & {5, 6, 7})
            expected = torch.sigmoid(torch.tensor(4.0 * (9 - covered) / 9))
            assert abs(float(occ[i, j]) - float(expected)) < 1e-6
    assert float(occ.min()) < float(p_full) and float(occ[0, 0]) == pytest.approx(float(p_full))


def test_occlusion_map_shape_stride_fill_and_batching_agree():
    net = LeNet5()
    x = torch.rand(1, 1, 28, 28)
    a = V.occlusion_map(net, x, 2, patch=6, stride=3, batch_size=7)
    b = V.occlusion_map(net, x[0], 2, patch=6, stride=3, batch_size=1000)
    assert a.shape == ((28 - 6) // 3 + 1,) * 2
    torch.testing.assert_close(a, b)
    m = V.occlusion_map(net, x, 2, patch=6, stride=3, fill="mean")
    assert m.shape == a.shape and not torch.allclose(m, a)
    assert float(a.min()) >= 0 and float(a.max()) <= 1


def test_occlusion_map_rejects_bad_arguments():
    net = LeNet5()
    x = torch.rand(1, 28, 28)
    with pytest.raises(ValueError, match="one image"):
        V.occlusion_map(net, torch.rand(2, 1, 28, 28), 0)
    with pytest.raises(ValueError, match="patch must fit in the 28x28 image"):
        V.occlusion_map(net, x, 0, patch=29)
    with pytest.raises(ValueError, match="stride must be >= 1, got 0"):
        V.occlusion_map(net, x, 0, stride=0)
    with pytest.raises(ValueError, match="fill must be a number or 'mean'"):
        V.occlusion_map(net, x, 0, fill="grey")
    with pytest.raises(ValueError, match=r"target must lie in \[0, 10\)"):
        V.occlusion_map(net, x, 10)


def test_class_model_raises_the_target_score_and_stays_finite():
    torch.manual_seed(0)
    net = LeNet5()
    start = torch.rand(1, 28, 28)
    img, scores = V.class_model(net, 7, (1, 28, 28), steps=30, lr=50.0, l2=0.0, init=start)
    assert img.shape == (1, 28, 28) and scores.shape == (31,)
    assert torch.isfinite(img).all() and scores[-1] > scores[0] + 0.05
    imgs, scores = V.class_model(net, [0, 3], (1, 28, 28), steps=30, lr=50.0, jitter=2,
                                 blur=0.7, clip=(0.0, 1.0), init=start)
    assert imgs.shape == (2, 1, 28, 28) and scores.shape == (31, 2)
    assert (scores[-1] > scores[0]).all()
    assert float(imgs.min()) >= 0.0 and float(imgs.max()) <= 1.0


def test_class_model_of_a_linear_model_converges_to_w_over_2_l2():
    # maximise w·I + b − λ|I|²: the optimum is I* = w / (2λ)
    net = _linear(c=1, h=3, w=3, k=2, seed=1)
    img, _ = V.class_model(net, 1, (1, 3, 3), steps=300, lr=0.1, l2=0.5)
    torch.testing.assert_close(img, net[1].weight.detach()[1].reshape(1, 3, 3) / (2 * 0.5),
                               atol=1e-5, rtol=1e-5)


def test_class_model_blur_keeps_a_constant_image_constant():
    from dlsg_utils.visualize.attribution import _gaussian_blur

    img = torch.full((2, 3, 9, 7), 0.25)
    torch.testing.assert_close(_gaussian_blur(img, 1.5), img)
    tiny = torch.full((1, 1, 2, 2), 1.0)
    assert _gaussian_blur(tiny, 3.0).shape == (1, 1, 2, 2)


def test_class_model_rejects_bad_arguments():
    net = LeNet5()
    with pytest.raises(ValueError, match=r"shape must be \(C, H, W\)"):
        V.class_model(net, 0, (28, 28))
    with pytest.raises(ValueError, match="lr must be > 0"):
        V.class_model(net, 0, (1, 28, 28), lr=0)
    with pytest.raises(ValueError, match="jitter must be an int >= 0"):
        V.class_model(net, 0, (1, 28, 28), jitter=-1)
    with pytest.raises(ValueError, match=r"target must lie in \[0, 10\), got 12"):
        V.class_model(net, [1, 12], (1, 28, 28), steps=1)
    with pytest.raises(ValueError, match="init must have shape"):
        V.class_model(net, [1, 2], (1, 28, 28), init=torch.zeros(3, 1, 28, 28))


def test_penultimate_features_are_the_last_hidden_layer():
    torch.manual_seed(0)
    net = LeNet5()
    X = torch.rand(5, 1, 28, 28)
    f = V.penultimate_features(net, X, batch_size=2)
    with torch.no_grad():
        expected = net.classifier[:-1](net.features(X))
    assert f.shape == (5, 84)
    torch.testing.assert_close(f, expected)
    g = V.penultimate_features(net, X, layer="features.5")
    assert g.shape == (5, 16 * 5 * 5)
    with pytest.raises(ValueError, match="layer 'nope' not found"):
        V.penultimate_features(net, X, layer="nope")
    with pytest.raises(ValueError, match="no nn.Linear"):
        V.penultimate_features(nn.Sequential(nn.Conv2d(1, 2, 3)), X)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_nearest_neighbour_of_a_database_item_is_itself(metric):
    rng = np.random.default_rng(0)
    db = rng.normal(size=(50, 8)) * rng.lognormal(size=(50, 1))
    idx, dist = V.nearest_neighbours(db, db, k=3, metric=metric, chunk=7)
    assert idx[:, 0].tolist() == list(range(50))
    assert float(dist[:, 0].abs().max()) < 1e-6
    assert (dist[:, 1:] >= dist[:, :-1]).all()
    # excluding itself, the nearest is the brute-force second nearest
    if metric == "cosine":
        u = db / np.linalg.norm(db, axis=1, keepdims=True)
        full = 1 - u @ u.T
    else:
        full = np.linalg.norm(db[:, None] - db[None], axis=-1)
    np.fill_diagonal(full, np.inf)
    idx2, dist2 = V.nearest_neighbours(torch.from_numpy(db), db, k=2, metric=metric,
                                       exclude_self=True, chunk=16)
    assert idx2.tolist() == np.argsort(full, axis=1)[:, :2].tolist()
    np.testing.assert_allclose(dist2.numpy(), np.sort(full, axis=1)[:, :2], atol=1e-4)


def test_nearest_neighbours_rejects_bad_arguments():
    a, b = torch.rand(4, 3), torch.rand(6, 3)
    with pytest.raises(ValueError, match="metric must be 'cosine' or 'euclidean'"):
        V.nearest_neighbours(a, b, 2, metric="manhattan")
    with pytest.raises(ValueError, match="same feature size, got 3 and 2"):
        V.nearest_neighbours(a, torch.rand(6, 2), 2)
    with pytest.raises(ValueError, match=r"k must be an int in \[1, 6\], got 7"):
        V.nearest_neighbours(a, b, 7)
    with pytest.raises(ValueError, match=r"k must be an int in \[1, 3\], got 4"):
        V.nearest_neighbours(a, a, 4, exclude_self=True)
    with pytest.raises(ValueError, match="exclude_self needs the queries to be the database"):
        V.nearest_neighbours(a, b, 1, exclude_self=True)


def _edge(angle_deg: float, k: int = 7) -> torch.Tensor:
    """A grey step edge through the centre of a k x k filter, running at ``angle_deg``
    (counter-clockwise on the screen; 0 = horizontal), as a (1, 3, k, k) weight."""
    r = torch.arange(k, dtype=torch.float64) - (k - 1) / 2
    yy, xx = torch.meshgrid(-r, r, indexing="ij")  # y up on the screen
    t = math.radians(angle_deg)
    side = torch.tanh(3 * (-math.sin(t) * xx + math.cos(t) * yy))  # signed distance across
    return side.expand(1, 3, k, k).clone()


def test_filter_statistics_colour_is_zero_for_grey_one_for_opponent_and_two_thirds_for_noise():
    grey = torch.randn(1, 1, 5, 5).expand(1, 3, 5, 5)
    opponent = torch.randn(1, 1, 5, 5) * torch.tensor([1.0, -1.0, 0.0]).view(1, 3, 1, 1)
    noise = torch.randn(4000, 3, 5, 5, generator=torch.Generator().manual_seed(0))
    assert V.filter_statistics(grey)["colour"].item() == pytest.approx(0.0, abs=1e-12)
    assert V.filter_statistics(opponent)["colour"].item() == pytest.approx(1.0, abs=1e-12)
    assert V.filter_statistics(noise)["colour"].mean().item() == pytest.approx(2 / 3, abs=0.01)


@pytest.mark.parametrize("angle", [0.0, 30.0, 90.0, 135.0])
def test_filter_statistics_finds_the_orientation_of_an_edge(angle):
    stats = V.filter_statistics(_edge(angle))
    assert stats["coherence"].item() > 0.9
    diff = (stats["angle"].item() - angle + 90) % 180 - 90  # angles are defined modulo 180
    assert abs(diff) < 5


def test_filter_statistics_a_round_blob_has_no_orientation_and_noise_is_rough():
    r = torch.arange(7, dtype=torch.float64) - 3
    blob = torch.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / 4).expand(1, 3, 7, 7)
    stats = V.filter_statistics(blob)
    assert stats["coherence"].item() < 1e-9
    assert stats["roughness"].item() < 0.2
    noise = V.filter_statistics(torch.randn(4000, 3, 5, 5,
                                            generator=torch.Generator().manual_seed(1)))
    assert noise["roughness"].mean().item() == pytest.approx(1.0, abs=0.02)
    assert noise["coherence"].mean().item() < 0.3


def test_filter_statistics_rejects_a_wrong_shape():
    with pytest.raises(ValueError, match=r"\(F, C, k, k\)"):
        V.filter_statistics(torch.zeros(3, 5, 5))


def test_rank_correlation_is_spearmans_with_average_ranks_for_ties():
    from scipy.stats import spearmanr

    from dlsg_utils.visualize.attribution import rank_correlation

    g = torch.Generator().manual_seed(0)
    a = torch.randint(0, 4, (5, 3, 6), generator=g).double()  # many ties
    b = a + torch.randn(5, 3, 6, generator=g, dtype=torch.float64)
    rho = rank_correlation(a, b)
    expected = [spearmanr(x.ravel(), y.ravel()).statistic
                for x, y in zip(a.numpy(), b.numpy(), strict=True)]
    assert rho.shape == (5,) and np.allclose(rho.numpy(), expected)
    assert torch.allclose(rank_correlation(b, b), torch.ones(5, dtype=torch.float64))
    assert torch.allclose(rank_correlation(b, -b), -torch.ones(5, dtype=torch.float64))
    with pytest.raises(ValueError, match="one shape"):
        rank_correlation(a, b[:, :2])
