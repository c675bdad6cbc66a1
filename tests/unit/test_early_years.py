"""Early years: the cohort projection on hand-worked cases and the Croydon savings path."""

from __future__ import annotations

import numpy as np
import pytest

from totalplace_lib.core.errors import ParamsError
from totalplace_lib.data.places import load_place
from totalplace_lib.methods import cba, cohort

TWO_STATE = {
    "states": {"universal services only": {}, "child in need": {"costs": {"UCD_SS5_0_CIN_6M": 2}}},
    "transitions": {"universal services only": {"child in need": 0.1},
                    "child in need": {"universal services only": 0.5}},
}


def test_two_state_cohort_of_1000_by_hand():
    m = cohort.model_from_dict(TWO_STATE)
    proj = cohort.project(m, 1000, "2008/09", ages=3, discount_rate=0.0)
    cin = proj[proj["item"] == "child in need"].set_index("age")["children"]
    # age 0: 1000 x 0.1 = 100; age 1: 900 x 0.1 + 100 x 0.5 = 140; age 2: 860 x 0.1 + 140 x 0.5 = 156
    assert list(cin) == pytest.approx([100, 140, 156])
    cost = proj[proj["item"] == "child in need"]["cost_gbp"].sum()
    assert cost == pytest.approx((100 + 140 + 156) * 2 * 1416)  # SS5.0 is £1,416 per 6 months in 2008/09


def test_discounting_to_birth_uses_the_green_book_rate():
    m = cohort.model_from_dict(TWO_STATE)
    proj = cohort.project(m, 1000, "2008/09", ages=3)
    row = proj[(proj["item"] == "child in need") & (proj["age"] == 2)].iloc[0]
    assert row["pv_gbp"] == pytest.approx(row["cost_gbp"] / 1.035**2)


def test_simulation_agrees_with_the_expected_projection():
    m = cohort.model_from_dict(TWO_STATE)
    expected = cohort.project(m, 20_000, "2008/09", ages=5)["pv_gbp"].sum()
    simulated = cohort.simulate(m, 20_000, "2008/09", seed=1, ages=5).sum()
    assert simulated == pytest.approx(expected, rel=0.03)


def test_impossible_transitions_are_rejected_with_the_state_named():
    bad = {"states": {"universal services only": {}, "child in need": {}},
           "transitions": {"universal services only": {"child in need": 1.2}}}
    with pytest.raises(ParamsError, match="universal services only"):
        cohort.model_from_dict(bad)


def test_scale_entry_scales_only_leaving_universal_services():
    m = cohort.load_model()
    s = cohort.scale_entry(m, 2.0)
    i = m.states.index(cohort.UNIVERSAL)
    out = [j for j in range(len(m.states)) if j != i]
    assert s.matrix[i, out] == pytest.approx(2 * m.matrix[i, out])
    assert np.allclose(s.matrix.sum(axis=1), 1)
    assert np.array_equal(s.matrix[1:], m.matrix[1:])


def test_croydon_savings_path_comes_from_its_params_and_others_from_the_template():
    """Croydon: £2.3m over two years; savings £8.3m by 2013/14, £25m by 2016/17, over £62m by 2023/24."""
    s, origin = cba.scenario_for(load_place("croydon"), "early_years", {})
    assert origin.startswith("params/croydon.yaml")
    cf = cba.cash_flows(s).set_index("label")
    assert cf.loc["2013/14", "cum_pv_fiscal"] == pytest.approx(8.3e6, rel=0.03)
    assert cf.loc["2023/24", "cum_pv_fiscal"] > 62e6
    values = {"births": 1000, "saving_per_child_year": {"Council": 10_000.0},
              "programme_cost:NHS / PCT": 100_000, "programme_cost:Council": 100_000}
    kent, origin = cba.scenario_for(load_place("kent"), "early_years", values)
    assert origin.startswith("data/reference/scenarios/early_years.yaml")
    assert kent.outcomes[0].cohort == 1000 and kent.costs["Council"][:2] == [100_000, 100_000]
    assert kent.year_labels()[-1] == "2027/28"  # the year's births turn 18
    with pytest.raises(ParamsError, match="template asks for"):
        cba.scenario_for(load_place("kent"), "early_years", {})


def test_looked_after_figures_that_contradict_each_other_are_flagged_in_words():
    """5,200 children said to be '83 per 10,000' (it is about 210), placement costs far above the children's
    social care spend, and £35m of looked-after spend (about £6.7k a child against ~£47k a year in care)."""
    from types import SimpleNamespace

    import pandas as pd

    from totalplace_lib.themes import early_years

    lac = pd.DataFrame({"placement": ["foster care"], "children": [5200.0], "unit_cost_gbp": [47_000.0],
                        "amount_gbp": [5200 * 47_000.0]})
    c17 = SimpleNamespace(population=247_600)
    bench = pd.DataFrame({"slug": ["brum"], "value": [83.0]})
    spend = pd.DataFrame({"theme": ["children", "children"], "agency": ["Council", "Council"],
                          "service": ["Looked-after children: fostering services", "Safeguarding: child protection"],
                          "amount_gbp": [35e6, 5e6]})
    said = " ".join(early_years.consistency(lac, c17, bench, "brum", spend))
    assert "210 per 10,000, but the rate given is 83" in said
    assert "exceed the spend" in said and "611%" in said
    assert "£6,731 a child" in said
    ok = early_years.consistency(lac.assign(children=80.0, amount_gbp=80 * 47_000.0),
                                 SimpleNamespace(population=10_000),
                                 pd.DataFrame({"slug": ["x"], "value": [80.0]}), "x",
                                 spend.assign(amount_gbp=[3.5e6, 1e6]))
    assert ok == ["The count, the rate and the spend agree (the rate within 10%; the costs within a factor of 4)."]
