"""dlsg_utils.visualize: confusion matrices, worst mistakes, activations and their figures."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

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
    fig = V.show_filters(net.features[0].weight)
    assert sum(len(ax.images) > 0 for ax in fig.axes) == 6
    fig = V.show_activation_maps(torch.rand(1, 16, 10, 10), max_maps=12)
    assert sum(len(ax.images) > 0 for ax in fig.axes) == 12
    fig = V.show_images(torch.rand(5, 3, 8, 8), [str(i) for i in range(5)], ncols=3)
    assert sum(len(ax.images) > 0 for ax in fig.axes) == 5
    ax = V.plot_confusion(np.eye(3, dtype=int) * 5 + 1)
    assert ax.get_xlabel() == "predicted class"
    plt.close("all")


def test_figure_helpers_reject_wrong_shapes():
    with pytest.raises(ValueError, match=r"shape \(F, C, k, k\)"):
        V.show_filters(torch.zeros(6, 5, 5))
    with pytest.raises(ValueError, match="maps of one example"):
        V.show_activation_maps(torch.zeros(2, 3, 4, 4))
