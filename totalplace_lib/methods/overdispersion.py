"""Funnel limits that allow for over-dispersion: Spiegelhalter (2005), as NHS and public-health funnel guidance use.

Places differ for reasons chance does not cover (case mix, recording, services), so with large populations
the exact Poisson or binomial limits are so narrow that most places lie outside them, which tells a reader
nothing. Spiegelhalter's method, step by step (D. J. Spiegelhalter, "Handling over-dispersion of performance
indicators", *Quality and Safety in Health Care* 14:347-351, 2005):

1. Put each place's value on a variance-stabilising scale, where its standard error depends only on its size
   ``n``: ``sqrt(rate per person)`` for a rate, ``arcsin(sqrt(p))`` for a proportion; both have
   ``s = 1 / (2 sqrt(n))``.
2. Each place's z-score against the pooled value: ``z = (y - y0) / s``.
3. Winsorise the z-scores at their 10th and 90th percentiles (so a few extreme places do not set the width for
   all), and estimate the over-dispersion ``phi = mean(z^2)``.
4. Test it: ``I x phi`` against chi-squared on ``I - 1`` degrees of freedom (``I`` places). Over-dispersed if
   above its 95th percentile.
5. If so, the additive random-effects variance between places is
   ``tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w)``, ``w = 1 / s^2``, and the limits at size ``n`` are
   ``y0 +/- z_p sqrt(1 / (4n) + tau^2)``, transformed back to the rate or proportion.

A place outside these limits differs by more than chance *and* the usual spread between places.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MIN_PLACES = 10
"""Fewest places from which the between-place variance is estimated: with fewer, winsorised z-scores are too
unsteady a base (the exact limits are drawn instead, and the chart says so)."""

WINSOR = 0.10
"""Share of z-scores winsorised at each end (Spiegelhalter 2005)."""

Z = {"2s": 1.959964, "3s": 3.090232}
"""Two-sided normal deviates of the 95% and 99.8% limits (tails 0.025 and 0.001, as the exact limits)."""


@dataclass(frozen=True)
class Dispersion:
    """The over-dispersion test of a set of places and, if they are over-dispersed, the between-place variance."""

    places: int
    phi: float
    """Winsorised mean squared z-score (1 = spread as chance alone would give)."""
    chi2_95: float
    """95th percentile of chi-squared on ``places - 1`` degrees of freedom, which ``places x phi`` is tested against."""
    tau2: float
    """Additive between-place variance on the transformed scale (0 when not over-dispersed)."""

    @property
    def overdispersed(self) -> bool:
        """True if the places spread more than chance allows (``places x phi`` above the chi-squared 95th point)."""
        return self.places * self.phi > self.chi2_95

    @property
    def adjusted(self) -> bool:
        """True if the limits are widened (over-dispersed and enough places to estimate by how much)."""
        return self.overdispersed and self.places >= MIN_PLACES and self.tau2 > 0

    def method(self) -> str:
        """What drew the limits, in words for under the chart."""
        test = f"Spiegelhalter's test: {self.places} places, dispersion {self.phi:.1f}"
        if self.adjusted:
            return (f"limits widened for over-dispersion by additive random effects (Spiegelhalter 2005; {test} "
                    f"where chance alone gives up to {self.chi2_95 / self.places:.1f})")
        if self.overdispersed:
            return (f"exact limits: the places are over-dispersed ({test}) but fewer than {MIN_PLACES} are too few "
                    "to estimate by how much, so many may lie outside by more than chance")
        return f"exact limits (no over-dispersion by {test})"


def _transform(value: np.ndarray, proportion: bool) -> np.ndarray:
    v = np.clip(np.asarray(value, dtype=float), 0.0, 1.0 if proportion else None)
    return np.arcsin(np.sqrt(v)) if proportion else np.sqrt(v)


def _back(y: np.ndarray, proportion: bool) -> np.ndarray:
    y = np.maximum(np.asarray(y, dtype=float), 0.0)
    return np.sin(np.minimum(y, np.pi / 2)) ** 2 if proportion else y ** 2


def dispersion(events: np.ndarray, sizes: np.ndarray, proportion: bool = False) -> Dispersion:
    """Spiegelhalter's over-dispersion test and additive between-place variance (steps 1-5 of the module).

    Parameters
    ----------
    events, sizes : array
        Each place's count and its population (or denominator of the proportion).
    proportion : bool
        True for a proportion (arcsine transform), False for a rate (square-root transform).
    """
    from scipy.stats import chi2

    e, n = np.asarray(events, dtype=float), np.asarray(sizes, dtype=float)
    y = _transform(e / n, proportion)
    y0 = _transform(np.array([e.sum() / n.sum()]), proportion)[0]
    s = 1.0 / (2.0 * np.sqrt(n))
    z = (y - y0) / s
    lo, hi = np.percentile(z, [100 * WINSOR, 100 * (1 - WINSOR)])
    phi = float(np.mean(np.clip(z, lo, hi) ** 2))
    places = int(z.size)
    w = 1.0 / s ** 2
    tau2 = max(0.0, (places * phi - (places - 1)) / (w.sum() - (w ** 2).sum() / w.sum()))
    d = Dispersion(places=places, phi=phi, chi2_95=float(chi2.ppf(0.95, places - 1)), tau2=tau2)
    return d if d.overdispersed else Dispersion(places, phi, d.chi2_95, 0.0)


def widened_limits(events: np.ndarray, sizes: np.ndarray, scale: float, d: Dispersion, proportion: bool = False,
                   points: int = 100) -> pd.DataFrame:
    """Limits widened by the between-place variance ``d.tau2``, over the places' size range.

    Returns
    -------
    DataFrame
        The columns of the exact limits: ``{lower,upper}_{2s,3s}_population_1_year`` (the size, the same for
        every line) and ``{lower,upper}_{2s,3s}_limit`` (per ``scale``: 100,000 for a rate per 100,000, 1 for
        a proportion), and ``baseline`` (the pooled value per ``scale``).
    """
    e, n = np.asarray(events, dtype=float), np.asarray(sizes, dtype=float)
    pooled = e.sum() / n.sum()
    y0 = _transform(np.array([pooled]), proportion)[0]
    grid = np.geomspace(n.min() * 0.5, n.max() * 1.5, points)
    spread = np.sqrt(1.0 / (4.0 * grid) + d.tau2)
    out = {}
    for name, z in Z.items():
        for side, sign in (("lower", -1), ("upper", 1)):
            out[f"{side}_{name}_population_1_year"] = grid
            out[f"{side}_{name}_limit"] = _back(y0 + sign * z * spread, proportion) * scale
    out["baseline"] = np.full(points, pooled * scale)
    return pd.DataFrame(out)


def significance(events: np.ndarray, sizes: np.ndarray, d: Dispersion, proportion: bool = False) -> np.ndarray:
    """Each place against the widened limits, labelled as PHStatsMethods labels the exact ones:
    ``High (0.001)``, ``High (0.025)``, ``Low (0.025)``, ``Low (0.001)`` or ``Not significant``."""
    e, n = np.asarray(events, dtype=float), np.asarray(sizes, dtype=float)
    y = _transform(e / n, proportion)
    y0 = _transform(np.array([e.sum() / n.sum()]), proportion)[0]
    z = (y - y0) / np.sqrt(1.0 / (4.0 * n) + d.tau2)
    return np.select([z > Z["3s"], z > Z["2s"], z < -Z["3s"], z < -Z["2s"]],
                     ["High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)"], "Not significant")
