"""dlsg_utils.visualize.nulls: random filters as smooth as trained ones (chapter 14's chance)."""

import pytest
import torch
from torch import nn

from dlsg_utils import visualize as V


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_white_noise_filters_have_roughness_one_and_colour_share_two_thirds():
    s = V.filter_statistics(V.smooth_random_filters(4000, (3, 5, 5), 0.0, generator=_gen()))
    assert float(s["roughness"].mean()) == pytest.approx(1.0, abs=0.02)
    assert float(s["colour"].mean()) == pytest.approx(2 / 3, abs=0.01)


def test_blurring_makes_filters_smoother_and_leaves_the_mean_colour_share_at_two_thirds():
    rough = []
    for sigma in (0.0, 0.5, 1.0, 2.0):
        s = V.filter_statistics(V.smooth_random_filters(4000, (3, 5, 5), sigma, generator=_gen()))
        rough.append(float(s["roughness"].mean()))
        # independent channels: the share is 2/3 on average however smooth (a symmetry)
        assert float(s["colour"].mean()) == pytest.approx(2 / 3, abs=0.015)
    assert rough == sorted(rough, reverse=True) and rough[-1] < 0.1


def test_smoother_random_filters_look_more_oriented_by_chance_and_grey_ones_most():
    def median_coherence(sigma, grey):
        f = V.smooth_random_filters(2000, (3, 5, 5), sigma, generator=_gen())
        f = V.mix_colour(f, 0.0) if grey else f
        return float(V.filter_statistics(f)["coherence"].median())

    for grey in (False, True):
        coh = [median_coherence(s, grey) for s in (0.0, 1.0, 2.0)]
        assert coh[0] < coh[1] < coh[2]
    # a smooth grey 5x5 patch is nearly a ramp (one gradient direction); independent channels
    # are three ramps in different directions, whose structure tensors partly cancel
    assert median_coherence(2.0, True) > 0.6 > median_coherence(2.0, False)


def test_smooth_random_filters_are_reproducible_and_shaped():
    a = V.smooth_random_filters(3, (2, 4, 6), 1.3, generator=_gen(5))
    b = V.smooth_random_filters(3, (2, 4, 6), 1.3, generator=_gen(5))
    assert a.shape == (3, 2, 4, 6) and a.dtype == torch.float64 and torch.equal(a, b)


def test_roughness_to_sigma_gives_blurs_whose_filters_have_that_roughness():
    targets = torch.tensor([0.15, 0.4, 0.8])
    sigmas = V.roughness_to_sigma(targets)
    assert sigmas.shape == (3,) and (sigmas[:-1] > sigmas[1:]).all()
    for t, s in zip(targets.tolist(), sigmas.tolist(), strict=True):
        f = V.smooth_random_filters(4000, (3, 5, 5), s, generator=_gen(1))
        assert float(V.filter_statistics(f)["roughness"].mean()) == pytest.approx(t, rel=0.05)
    assert V.roughness_to_sigma([1.5, 1.0])[0] == 0  # rougher than noise: white noise
    assert float(V.roughness_to_sigma([0.0])[0]) == pytest.approx(V.nulls.SIGMA_MAX)


def test_mix_colour_sets_the_colour_share_exactly_and_keeps_the_energy():
    w = torch.randn(50, 3, 5, 5, generator=_gen(2), dtype=torch.float64)
    shares = torch.linspace(0, 1, 50)
    m = V.mix_colour(w, shares)
    assert torch.allclose(V.filter_statistics(m)["colour"], shares.double(), atol=1e-12)
    assert torch.allclose(m.pow(2).sum((1, 2, 3)), w.pow(2).sum((1, 2, 3)))
    grey = V.mix_colour(w, 0.0)
    assert torch.allclose(grey[:, 0], grey[:, 1]) and torch.allclose(grey[:, 1], grey[:, 2])


def _edge_and_blob():
    y, x = torch.meshgrid(torch.arange(5.0) - 2, torch.arange(5.0) - 2, indexing="ij")
    edge = torch.tanh(x).expand(3, 5, 5)  # grey vertical edge
    blob = torch.exp(-(x**2 + y**2) / 4) * torch.tensor([1.0, -1.0, 0.0]).view(3, 1, 1)
    return torch.stack([edge, blob])


@pytest.mark.parametrize("colour", ["match", "layer", "independent"])
def test_random_twins_are_as_smooth_and_as_strong_as_their_filter(colour):
    w = torch.cat([_edge_and_blob(), torch.randn(2, 3, 5, 5, generator=_gen(3))])
    twins = V.random_twins(w, 800, colour=colour, seed=4)
    assert twins.shape == (4, 800, 3, 5, 5)
    assert torch.allclose(twins.pow(2).sum((2, 3, 4)), w.double().pow(2).sum((1, 2, 3))[:, None])
    rough = V.filter_statistics(w)["roughness"]
    twin_rough = V.filter_statistics(twins.flatten(0, 1))["roughness"].view(4, 800).mean(1)
    assert torch.allclose(twin_rough, rough.clamp(max=1.0), rtol=0.15, atol=0.02)


def test_random_twins_split_grey_and_colour_as_asked():
    w = torch.cat([_edge_and_blob(), torch.randn(3, 3, 5, 5, generator=_gen(6))])
    share = V.filter_statistics(w)["colour"]

    def twin_share(colour):
        t = V.random_twins(w, 400, colour=colour)
        return V.filter_statistics(t.flatten(0, 1))["colour"].view(len(w), 400)

    assert torch.allclose(twin_share("match"), share[:, None].expand(-1, 400), atol=1e-9)
    layer = twin_share("layer")
    assert float(layer.mean()) == pytest.approx(float(share.mean()), abs=1e-3)
    assert float(layer.std()) > 0.05  # each twin's share varies by chance
    assert float(twin_share("independent").mean()) == pytest.approx(2 / 3, abs=0.03)


def test_random_twins_are_reproducible_and_reject_bad_arguments():
    w = torch.randn(2, 3, 5, 5, generator=_gen(7))
    assert torch.equal(V.random_twins(w, 10, seed=1), V.random_twins(w, 10, seed=1))
    with pytest.raises(ValueError, match="colour must be"):
        V.random_twins(w, 10, colour="grey")
    with pytest.raises(ValueError, match="shape"):
        V.random_twins(torch.zeros(3, 5, 5), 10)
    with pytest.raises(ValueError, match="sigma"):
        V.smooth_random_filters(2, (3, 5, 5), -1.0)
    with pytest.raises(ValueError, match="colour_share"):
        V.mix_colour(w, [0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="roughness"):
        V.roughness_to_sigma([-0.1])


class _Scores(nn.Module):
    """Scores: class 0 = sum of the image, class 1 = its negative."""

    def forward(self, x):
        s = x.flatten(1).sum(1)
        return torch.stack([s, -s], dim=1)


def test_occlusion_map_can_record_the_class_score_instead_of_the_probability():
    x = torch.ones(1, 4, 4)
    score = V.occlusion_map(_Scores(), x, 0, patch=2, stride=2, fill=0.0, output="score")
    assert torch.allclose(score, torch.full((2, 2), 12.0))  # 16 pixels of 1, four hidden
    prob = V.occlusion_map(_Scores(), x, 0, patch=2, stride=2, fill=0.0)
    assert torch.allclose(prob, torch.sigmoid(torch.tensor(24.0)).expand(2, 2))
    with pytest.raises(ValueError, match="output must be"):
        V.occlusion_map(_Scores(), x, 0, patch=2, output="logit")


def test_share_vs_chance_is_the_exact_binomial_interval_shifted_by_chance():
    from scipy.stats import binomtest

    hits = torch.tensor([True] * 9 + [False] * 23)
    iv = V.share_vs_chance(hits, 0.05)
    ci = binomtest(9, 32, 0.05).proportion_ci(method="exact")
    assert iv.estimate == pytest.approx(9 / 32 - 0.05)
    assert (iv.low, iv.high) == pytest.approx((ci.low - 0.05, ci.high - 0.05))
    assert iv.p == pytest.approx(2 * binomtest(9, 32, 0.05, alternative="greater").pvalue)
    assert iv.excludes_null()


def test_share_vs_chance_none_of_32_is_no_evidence_of_fewer_than_five_percent():
    iv = V.share_vs_chance(torch.zeros(32, dtype=torch.bool), 0.05)
    assert iv.low == pytest.approx(-0.05) and iv.high > 0.05  # not a zero-width interval
    assert not iv.excludes_null() and iv.p > 0.05
    with pytest.raises(ValueError, match="chance"):
        V.share_vs_chance([True, False], 1.0)
    with pytest.raises(ValueError, match="hits"):
        V.share_vs_chance([2, 0], 0.5)


def test_share_vs_chance_p_is_the_central_test_its_interval_inverts():
    from scipy.stats import binom

    for k in range(0, 33):
        iv = V.share_vs_chance(torch.arange(32) < k, 0.3)
        central = min(1.0, 2 * min(binom.cdf(k, 32, 0.3), binom.sf(k - 1, 32, 0.3)))
        assert iv.p == pytest.approx(central)
        assert iv.excludes_null() == (iv.p < 0.05)  # interval and test agree, case by case


def test_twin_percentile_lets_about_five_percent_of_random_filters_pass():
    from dlsg_utils.visualize.nulls import twin_percentile

    # random filters of a known blur, put through the test with twins of their own
    f = V.smooth_random_filters(400, (3, 5, 5), 1.0, generator=_gen(8))
    pct, twins = twin_percentile(f, "coherence", 200, seed=9)
    assert pct.shape == (400,) and twins["coherence"].shape == (400, 200)
    assert 0.02 < float((pct > 0.95).double().mean()) < 0.09
    with pytest.raises(ValueError, match="stat"):
        twin_percentile(f, "contrast", 10)


def _ramp(angle_deg, size=5):
    y, x = torch.meshgrid(torch.arange(size) - (size - 1) / 2, torch.arange(size) - (size - 1) / 2,
                          indexing="ij")
    g = torch.deg2rad(torch.tensor(angle_deg - 90.0))
    u = x * torch.cos(g) - y * torch.sin(g)  # y up: row index grows downwards
    return u.double().expand(3, size, size)


def test_oriented_twins_turn_an_edge_to_the_drawn_angle():
    from dlsg_utils.visualize.nulls import oriented_twins

    w = torch.stack([_ramp(0.0), torch.tanh(_ramp(60.0))])
    twins, angles = oriented_twins(w, 400, seed=1)
    assert twins.shape == (2, 400, 3, 5, 5) and angles.shape == (2, 400)
    assert float(angles.min()) >= 0 and float(angles.max()) < 180
    s = V.filter_statistics(twins.flatten(0, 1))
    error = (s["angle"].view(2, 400) - angles + 90) % 180 - 90
    assert float(error.abs().median()) < 3 and float(s["coherence"].median()) > 0.95
    again, _ = oriented_twins(w, 400, seed=1)
    assert torch.equal(twins, again)


def test_oriented_twins_of_a_ramp_fall_evenly_into_cardinal_and_diagonal_bins():
    from dlsg_utils.visualize.nulls import oriented_twins

    twins, _ = oriented_twins(_ramp(0.0)[None], 4000, seed=2)
    angle = V.filter_statistics(twins[0])["angle"]
    cardinal = ((angle + 22.5) // 45 % 4 % 2 == 0).double().mean()
    assert float(cardinal) == pytest.approx(0.5, abs=0.03)


def test_oriented_twins_keep_the_noise_the_profile_leaves_out():
    from dlsg_utils.visualize.nulls import oriented_twins

    noise = 0.3 * torch.randn(3, 5, 5, generator=_gen(4), dtype=torch.float64)
    clean, _ = oriented_twins(torch.tanh(_ramp(30.0))[None], 300, seed=3)
    noisy, _ = oriented_twins((torch.tanh(_ramp(30.0)) + noise)[None], 300, seed=3)
    coherence = [float(V.filter_statistics(t[0])["coherence"].median()) for t in (clean, noisy)]
    assert coherence[1] < coherence[0]  # noise like the filter's makes the twins less coherent
    with pytest.raises(ValueError, match="bandwidth"):
        oriented_twins(noise[None], 10, bandwidth=0)
    with pytest.raises(ValueError, match="shape"):
        oriented_twins(noise, 10)
