"""The redesign-case charts and explorer render from the engine's own outputs."""

from __future__ import annotations

import pytest

from totalplace_lib import cba, plots
from totalplace_lib.params import load_place


@pytest.fixture(scope="module")
def croydon():
    s = cba.scenario_from_dict(load_place("croydon").scenarios["early_years"])
    return s, cba.appraise(s)


def test_charts_are_pngs_with_finding_titles(croydon):
    s, a = croydon
    src = "Croydon scenario (Community Care 2010)"
    charts = [
        plots.payback_chart(cba.cash_flows(s), a, src),
        plots.who_benefits_chart(cba.who_benefits(a), a, src),
        plots.tornado_chart(cba.tornado(s), src, s.price_year),
        plots.npv_distribution_chart(cba.monte_carlo(s, draws=2000), src, s.price_year),
    ]
    for c in charts:
        data, meta = c._repr_mimebundle_()
        assert data["image/png"] and meta["image/png"]["alt"].startswith("Chart: ")
    assert charts[0].title == f"Fiscal benefits repay the costs by {a.payback_label}"
    assert "Council gets" in charts[1].title
    assert "most sensitive to" in charts[2].title
    assert "simulations" in charts[3].title


def test_explorer_recomputes_with_slider_values(croydon):
    from totalplace_lib.widgets import redesign_explorer

    s, a = croydon
    box = redesign_explorer(s, draws=2000)
    a0, _ = box.recompute()
    assert a0.npv == pytest.approx(a.npv)
    box.children[1].value = s.outcomes[0].success / 2  # halve the success rate
    a1, _ = box.recompute()
    assert a1.pv_fiscal == pytest.approx(a.pv_fiscal / 2, rel=1e-6)
    assert "NPV" in box.children[-1].value
