"""Funnel limits for over-dispersed places (Spiegelhalter 2005): checked against simulated ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from totalplace_lib.methods import benchmark, overdispersion


def _places(rates: np.ndarray, sizes: np.ndarray, rng) -> pd.DataFrame:
    events = rng.poisson(rates * sizes)
    return pd.DataFrame({"slug": [f"p{i}" for i in range(len(sizes))], "place": [f"P{i}" for i in range(len(sizes))],
                         "numerator": events, "denominator": sizes, "value": events / sizes * 1e5})


def test_places_spread_only_by_chance_keep_the_exact_poisson_limits():
    rng = np.random.default_rng(1)
    sizes = rng.integers(200_000, 2_000_000, 30).astype(float)
    t = _places(np.full(30, 0.006), sizes, rng)
    limits, points = benchmark.funnel(t, "per 100,000")
    d = limits.attrs["dispersion"]
    assert not d.overdispersed and d.tau2 == 0
    assert limits.attrs["method"].startswith("exact limits (no over-dispersion")
    exact = benchmark.rate_funnel_limits(t["numerator"].to_numpy(float), sizes, 1e5)
    pd.testing.assert_frame_equal(limits.reset_index(drop=True), exact.reset_index(drop=True))


def test_the_between_place_variance_is_recovered_from_over_dispersed_places():
    # true rates vary between places: sqrt(rate) ~ Normal(sqrt(0.006), sd 0.004), far beyond chance at these sizes
    rng = np.random.default_rng(2005)
    sd = 0.004
    estimates, inside = [], []
    for _ in range(20):
        sizes = rng.integers(200_000, 2_000_000, 40).astype(float)
        rates = (np.sqrt(0.006) + rng.normal(0, sd, 40)) ** 2
        t = _places(rates, sizes, rng)
        d = overdispersion.dispersion(t["numerator"], sizes)
        assert d.overdispersed and d.adjusted
        estimates.append(d.tau2)
        _, points = benchmark.funnel(t, "per 100,000")
        inside.append((points["significance"] == "Not significant").mean())
    # Winsorising at 10% and 90% (as the method does, so that a few extreme places cannot set the width) keeps
    # 0.68 of a normal spread's mean square: the 10%-winsorised second moment of a standard normal.
    from scipy.stats import norm

    c = norm.ppf(0.9)
    kept = (2 * norm.cdf(c) - 1) - 2 * c * norm.pdf(c) + 2 * 0.1 * c ** 2
    assert kept == pytest.approx(0.68, abs=0.01)
    assert np.median(estimates) == pytest.approx(kept * sd ** 2, rel=0.2)
    assert np.mean(inside) > 0.85  # about 95% expected; the exact limits left almost none inside


def test_the_widened_limits_hold_the_places_they_call_not_significant():
    rng = np.random.default_rng(7)
    sizes = rng.integers(200_000, 2_000_000, 25).astype(float)
    t = _places((np.sqrt(0.006) + rng.normal(0, 0.004, 25)) ** 2, sizes, rng)
    limits, points = benchmark.funnel(t, "per 100,000")
    assert limits.attrs["method"].startswith("limits widened for over-dispersion by additive random effects")
    for _, p in points.iterrows():
        x = limits["upper_2s_population_1_year"].to_numpy()
        up = np.interp(p["denominator"], x, limits["upper_2s_limit"].to_numpy())
        low = np.interp(p["denominator"], x, limits["lower_2s_limit"].to_numpy())
        assert (low <= p["value"] <= up) == (p["significance"] == "Not significant"), p["place"]
    assert limits["baseline"].iloc[0] == pytest.approx(t["numerator"].sum() / sizes.sum() * 1e5)


def test_too_few_places_to_estimate_the_spread_keep_exact_limits_and_say_so():
    t = pd.DataFrame({"slug": list("abcd"), "place": list("ABCD"), "numerator": [500, 300, 800, 1200],
                      "denominator": [100_000, 80_000, 150_000, 200_000]})
    t["value"] = t["numerator"] / t["denominator"] * 1e5
    limits, _ = benchmark.funnel(t, "per 100,000")
    assert limits.attrs["dispersion"].overdispersed and not limits.attrs["dispersion"].adjusted
    assert "too few" in limits.attrs["method"]


def test_proportions_use_the_arcsine_scale():
    rng = np.random.default_rng(3)
    n = rng.integers(2_000, 20_000, 30).astype(float)
    p = np.clip(0.5 + rng.normal(0, 0.08, 30), 0.05, 0.95)
    events = rng.binomial(n.astype(int), p)
    t = pd.DataFrame({"slug": [f"p{i}" for i in range(30)], "place": [f"P{i}" for i in range(30)],
                      "numerator": events, "denominator": n, "value": events / n})
    limits, points = benchmark.funnel(t, "proportion")
    assert limits.attrs["dispersion"].adjusted
    assert ((limits["lower_3s_limit"] >= 0) & (limits["upper_3s_limit"] <= 1)).all()
    assert (points["significance"] == "Not significant").mean() > 0.8
