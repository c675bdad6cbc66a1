"""Concentration on hand-made data: ties, one person, interpolation between people."""

from __future__ import annotations

import numpy as np
import pytest

from totalplace_lib.methods import concentration


def test_top_share_on_hand_worked_counts():
    # 10 people: one did 50 of 100 offences, the rest 50 between them.
    counts = [50, 10, 10, 5, 5, 5, 5, 4, 3, 3]
    assert concentration.top_share(counts, 0.10) == pytest.approx(0.50)
    assert concentration.top_share(counts, 0.20) == pytest.approx(0.60)
    # half-way between the 1st and 2nd person: 50 + 10/2
    assert concentration.top_share(counts, 0.15) == pytest.approx(0.55)
    assert concentration.top_share(counts, 1.0) == pytest.approx(1.0)


def test_ties_do_not_depend_on_order():
    a = concentration.top_share([4, 4, 4, 4, 1], 0.4)
    b = concentration.top_share([1, 4, 4, 4, 4], 0.4)
    assert a == b == pytest.approx(8 / 17)
    # everyone equal: the top x% do exactly x%
    assert concentration.top_share([3] * 7, 0.02) == pytest.approx(0.02)


def test_single_offender_gives_the_diagonal():
    assert concentration.top_share([12], 0.01) == pytest.approx(0.01)
    t = concentration.concentration_table([12])
    assert list(t["total_share"]) == pytest.approx([0.01, 0.02, 0.05, 0.10])


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="positive"):
        concentration.top_share([], 0.1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        concentration.top_share([1, 2], 2)


def test_gini_extremes():
    assert concentration.gini(np.ones(100)) == pytest.approx(0.0)
    assert concentration.gini([0] * 99 + [1]) == pytest.approx(0.99)
