"""The redesign engine to the standard of the HM Treasury / New Economy model: edge cases a CBA analyst
hits (each failed on the engine before this file), validation on load, and the model's features."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from totalplace_lib.core.errors import ParamsError
from totalplace_lib.methods import cba, costs


def plain() -> dict:
    """No discounting, no optimism bias stated: 10 successes a year for 3 years, £1,000 each to the NHS."""
    return {"name": "plain", "years": 5, "price_year": "2013/14", "discount_rate": 0.0,
            "costs": {"Council": [10_000]},
            "outcomes": [{"name": "o", "cohort": 10, "engagement": 1, "success": 1, "deadweight": 0,
                          "attribution": 1, "persistence": [1, 1, 1], "fiscal": {"NHS": 1000}}]}


def build(d: dict) -> cba.Scenario:
    return cba.scenario_from_dict(copy.deepcopy(d))


# --- defects -------------------------------------------------------------------------------------------


def test_a_pure_savings_case_with_no_costs_is_appraised():
    d = plain()
    d["costs"] = {}
    s = build(d)
    a = cba.appraise(s)
    assert a.pv_costs == 0 and a.npv == pytest.approx(30_000)
    assert np.isinf(a.bcr) and a.vfm == "very high (no net cost)"
    assert a.payback_year is None and a.payback_label == "no costs"
    mc = cba.monte_carlo(s, draws=100)
    assert np.isinf(mc.bcr).all() and mc.p_benefit_exceeds_cost == 1.0


def test_payback_is_never_before_anything_is_spent():
    # costs [0, 100000]; £50,000 a year of benefit from year 3 (Green Book discounting): by hand, year 5
    d = {"name": "late", "years": 8, "price_year": "2013/14", "cost_confidence": 1,
         "costs": {"Council": [0, 100_000]},
         "outcomes": [{"name": "o", "cohort": 1, "engagement": 1, "success": 1, "deadweight": 0, "attribution": 1,
                       "lag": 3, "confidence": 1, "persistence": [1, 1, 1, 1, 1], "fiscal": {"NHS": 50_000}}]}
    a = cba.appraise(build(d))
    df = cba.discount_factors(8)
    cum_cost = 100_000 * df[1]
    cum_ben = np.cumsum(50_000 * df * (np.arange(8) >= 3))
    assert cum_ben[4] < cum_cost <= cum_ben[5]  # the hand calculation
    assert a.payback_year == 5


def test_optimism_bias_is_never_applied_silently():
    s = build(plain())  # neither optimism_bias nor any confidence grade
    a = cba.appraise(s)
    assert a.pv_costs == pytest.approx(10_000) and a.pv_fiscal == pytest.approx(30_000)  # as entered
    assert any("optimism bias not applied" in n for n in s.notes)
    graded = plain()
    graded["cost_confidence"] = 3
    g = build(graded)
    assert cba.appraise(g).pv_costs > 10_000
    assert any("PROJECT DEFAULT" in n for n in g.notes)  # the labelled defaults are said, not hidden


def test_truncation_is_refused_or_stated():
    d = plain()
    d["outcomes"][0]["lag"] = 5
    with pytest.raises(ParamsError, match="lag of 5 years leaves no year of effect"):
        build(d)
    d = plain()
    d["outcomes"][0]["persistence"] = [1] * 8
    s = build(d)
    assert any("the last 3 year(s) of effect are not counted" in n for n in s.notes)
    d = plain()
    del d["outcomes"][0]["persistence"]
    assert any("one year of effect per success is assumed" in n for n in build(d).notes)


@pytest.mark.parametrize("key, value, message", [
    ("price_year", "banana", "price year 'banana' is not a financial year"),
    ("price_year", "2009/11", "not a financial year"),
    ("start_year", "2010", "start_year must be a whole year"),
])
def test_price_and_start_years_are_validated(key, value, message):
    d = plain()
    d[key] = value
    with pytest.raises(ParamsError, match=message):
        build(d)


def test_unit_values_in_another_price_year_are_uprated_to_the_scenarios():
    d = plain()
    d["price_year"] = "2009/10"
    d["outcomes"][0]["fiscal"] = {"NHS": {"value": 1000, "price_year": "2013/14"}}
    s = build(d)
    expected = costs.uprate(1000, "2013/14", "2009/10")
    assert s.outcomes[0].fiscal["NHS"] == pytest.approx(expected) and expected < 1000
    assert any("uprated" in n for n in s.notes)


@pytest.mark.parametrize("spec, message", [
    ({"low": 0.9, "high": 0.2}, "low 0.9 is above high 0.2"),
    ({"low": 0.6, "high": 0.9}, "excludes the central value 1"),
    ({"low": -0.2, "high": 1.2}, "outside 0..1"),
    ({"low": "x", "high": 1}, "must be a number"),
])
def test_uncertainty_ranges_are_checked_on_load(spec, message):
    d = plain()
    d["uncertainty"] = {"o.success": spec}
    with pytest.raises(ParamsError, match=message) as exc:
        build(d)
    assert exc.value.column.startswith("uncertainty.o.success")


def test_capital_receipts_reduce_net_cost_without_the_benefit_cut():
    d = plain()
    d["cost_confidence"] = 3
    d["outcomes"][0]["confidence"] = 1
    d["receipts"] = {"Council": [0, 4_000]}
    a = cba.appraise(build(d))
    uplift = cba.cost_multiplier(3)
    assert a.pv_costs == pytest.approx(10_000 * uplift - 4_000)  # receipts: no optimism bias, no benefit cut
    assert a.pv_fiscal == pytest.approx(30_000) and a.pv_receipts == pytest.approx(4_000)
    d["costs"] = {"Council": [10_000, -4_000]}
    with pytest.raises(ParamsError, match="receipts"):
        build(d)


# --- features -------------------------------------------------------------------------------------------


def test_capital_revenue_and_in_kind_costs_all_count_by_funder():
    d = plain()
    d["capital"] = {"Council": [5_000]}
    d["in_kind"] = {"Police": [0, 2_000]}
    a = cba.appraise(build(d))
    assert a.costs_by_agency == {"Council": pytest.approx(15_000), "Police": pytest.approx(2_000)}
    assert a.pv_costs == pytest.approx(17_000)


def test_cashable_share_and_the_cashable_annual_saving():
    d = plain()
    d["outcomes"][0]["cashable"] = {"NHS": 0.25}
    a = cba.appraise(build(d))
    assert a.pv_cashable == pytest.approx(7_500) and a.cashable_share == pytest.approx(0.25)
    assert a.annual_cashable_saving == pytest.approx((7_500 - 10_000) / 5)
    assert a.annual_fiscal_saving == pytest.approx((30_000 - 10_000) / 5)


def test_displacement_and_leakage_reduce_successes_like_deadweight():
    d = plain()
    d["outcomes"][0].update(displacement=0.2, leakage=0.5)
    s = build(d)
    assert s.outcomes[0].successes == pytest.approx(10 * 0.8 * 0.5)
    assert cba.appraise(s).pv_fiscal == pytest.approx(12_000)
    d["uncertainty"] = {"o.leakage": {"low": 0.3, "high": 0.7}}
    t = cba.tornado(build(d))
    assert t.loc[0, "npv_low"] > t.loc[0, "npv_high"]  # more leakage, less value


def test_new_participants_each_year_each_follow_the_persistence_profile():
    d = plain()
    d["years"] = 6
    d["outcomes"][0]["cohort"] = [10, 10, 10]  # 30 people, 10 joining each year
    d["outcomes"][0]["persistence"] = [1, 0.5]
    cf = cba.cash_flows(build(d))
    assert list(cf["fiscal"]) == pytest.approx([10_000, 15_000, 15_000, 5_000, 0, 0])


def test_a_lifetime_unit_cost_counts_once_per_success():
    d = plain()
    d["outcomes"][0]["fiscal"] = {}
    d["outcomes"][0]["lag"] = 1
    d["outcomes"][0]["lifetime"] = {"NHS": {"value": 100_000, "price_year": "2013/14"}}
    cf = cba.cash_flows(build(d))
    assert list(cf["fiscal"]) == pytest.approx([0, 1_000_000, 0, 0, 0])


def test_every_bad_scenario_is_one_params_error_never_a_numpy_error():
    bad = [("years", "ten"), ("costs", ["x"]), ("outcomes", [{"name": "o"}]), ("uncertainty", {"costs": 3}),
           ("optimism_bias", float("nan")), ("capital", {"Council": [1, "2"]})]
    for key, value in bad:
        d = plain()
        d[key] = value
        with pytest.raises(ParamsError):
            build(d)


def test_the_workbook_export_lets_a_finance_officer_recompute_every_present_value(tmp_path):
    import openpyxl

    from totalplace_lib.methods.cba import workbook as cba_workbook

    d = plain()
    d.update(cost_confidence=3, capital={"Council": [0, 2_000]}, receipts={"Council": [0, 0, 1_000]},
             discount_rate=None)
    d["outcomes"][0].update(confidence=2, cashable={"NHS": 0.4}, social=50)
    s = build(d)
    a = cba.appraise(s)
    written = cba_workbook.write(s, a, tmp_path / "case.xlsx", origin="test")
    assert repr(written) == "redesign workbook written: case.xlsx"
    wb = openpyxl.load_workbook(written.path)
    assert wb.sheetnames == ["Inputs", "Costs", "Benefits", "Results", "Who benefits"]
    for name, total in (("Costs", a.pv_costs), ("Benefits", a.pv_fiscal + a.pv_social)):
        ws = wb[name]
        dfs = [c.value for c in ws[3][3 if name == "Costs" else 4:][: s.years]]
        pv_sum = 0.0
        for row in ws.iter_rows(min_row=6):
            if row[0].value is None:
                continue
            first = 3 if name == "Costs" else 4
            flows = [c.value for c in row[first: first + s.years]]
            assert row[first + s.years].value.startswith("=SUMPRODUCT(")  # a live formula
            recomputed = sum(f * d_ for f, d_ in zip(flows, dfs, strict=True))
            assert recomputed == pytest.approx(row[first + s.years + 1].value)
            pv_sum += recomputed
        assert pv_sum == pytest.approx(total)
    results = {r[0].value: r[1].value for r in wb["Results"].iter_rows(min_row=4) if r[0].value}
    assert results["NPV"] == pytest.approx(a.npv)
    assert results["PV cashable fiscal benefits"] == pytest.approx(0.4 * a.pv_fiscal)
    assert any("PROJECT DEFAULT" in str(c.value or "") for c in wb["Inputs"]["A"])


def test_the_2pct_test_counts_cashable_savings_only_and_says_n_a_when_a_scenario_does_not_state_them():
    import pandas as pd

    from totalplace_lib.batch import synthesis

    def rec(area, figure, value):
        return {"area": area, "place": area.title(), "theme": "early_years", "figure": figure, "value": value}

    rows = []
    for area, fiscal, cash in (("a", 40_000.0, 15_000.0), ("b", 40_000.0, None)):
        rows += [rec(area, "cba_npv_gbp", 1e5), rec(area, "cba_bcr", 2.0), rec(area, "cba_pv_costs_gbp", 1e5),
                 rec(area, "cba_prob_benefit_exceeds_cost", 0.9), rec(area, "cba_annual_fiscal_saving_gbp", fiscal),
                 rec(area, "cba_annual_cashable_saving_gbp", cash), rec(area, "early_years_spend_gbp", 1e6)]
    red = synthesis.redesigns(pd.DataFrame(rows)).set_index("place")
    assert red.loc["A", "saving_share_of_theme_spend"] == pytest.approx(0.015)  # cashable, not the 4% fiscal
    assert not red.loc["A", "meets_2pct"]
    assert pd.isna(red.loc["B", "saving_share_of_theme_spend"]) and not red.loc["B", "meets_2pct"]
    only_b = synthesis.redesigns(pd.DataFrame([r for r in rows if r["area"] == "b"]))
    assert only_b["cba_annual_cashable_saving_gbp"].isna().all()  # a column of n/a, not a crash


def test_a_template_part_the_data_cannot_size_is_left_out_and_said(monkeypatch):
    """Public data have no admission records: the alcohol case runs with treatment only, priced at the
    report's year, and the scenario says the care team is left out and why."""
    from types import SimpleNamespace

    from totalplace_lib.core.gaps import Missing

    gap = Missing("no admission records.")
    values = {"extra_treatment_places": 200, "treatment_cost": 150_000,
              "saving_per_recovery": {"NHS / PCT": 5000.0, "Police": 1000.0},
              "frequent_attenders": gap, "care_team_cost": gap, "saving_per_frequent_attender": gap}
    place = SimpleNamespace(scenarios={}, slug="x")
    sc, origin = cba.scenario_for(place, "alcohol", values, 2017)
    assert [o.name for o in sc.outcomes] == ["recovery"] and list(sc.costs) == ["Council"]
    assert sc.price_year == "2017/18" and sc.start_year == 2018
    assert any("frequent_attenders" in n and "no admission records" in n.lower() for n in sc.notes)
    assert all(not k.startswith("frequent_attenders.") for k in sc.uncertainty)
    assert cba.appraise(sc).npv == cba.appraise(sc).npv  # a number, not a gap
    only_gaps = {k: gap for k in values}
    sc2, _ = cba.scenario_for(place, "alcohol", only_gaps, 2017)
    assert isinstance(sc2, Missing)
