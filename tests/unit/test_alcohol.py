"""Alcohol: the NHS cost tree, funnel limits on hand-worked numbers, the Leicester ratio and trends."""

from __future__ import annotations

import pandas as pd
import pytest

from totalplace_lib.data.datasets import load_dataset
from totalplace_lib.data.places import load_place
from totalplace_lib.methods import benchmark, comparison, costs, count
from totalplace_lib.themes import alcohol


def test_nhs_cost_tree_adds_to_3480m_from_ten_components():
    tree = alcohol.nhs_england_tree()
    assert len(tree) == 10
    assert tree["cost_gbp"].sum() == 3_480_000_000
    assert set(tree["price_year"]) == {"2009/10"}


def test_place_cost_tree_adds_up_and_apportions_the_nhs_by_admissions():
    ds = load_dataset("sample")
    place = load_place("birmingham")
    act = ds.rows("activity", place.area_codes)
    eng = alcohol.england_admissions(ds, "2009/10")
    tree = alcohol.cost_tree(act, eng, "2009/10")
    nhs = tree[tree["agency"] == "NHS / PCT"]["cost_gbp"].sum()
    share = alcohol.measure(act, "alcohol-related admissions (narrow)") / eng
    assert nhs == pytest.approx(3.48e9 * share)
    assert {"NHS / PCT", "Police", "Criminal justice system", "Council", "DWP / Jobcentre Plus"} == set(tree["agency"])
    assert (tree["cost_gbp"] > 0).all()


def test_leicester_alcohol_against_drugs_intervention_spend():
    ds = load_dataset("sample")
    spend, _ = count.theme_count(ds, load_place("leicester-leicestershire"), 2009, ("alcohol",))
    s = alcohol.spend_by_substance(spend)
    iv = s[s["kind"] == "intervention"].set_index("substance")["amount_gbp"]
    assert iv["Alcohol"] == pytest.approx(4.9e6, abs=5e3)
    assert iv["Drugs"] == pytest.approx(13.4e6, abs=5e3)
    assert iv["Alcohol"] / (iv["Alcohol"] + iv["Drugs"]) == pytest.approx(0.268, abs=0.001)


def test_funnel_limits_and_significance_on_hand_worked_numbers():
    t = pd.DataFrame({"slug": list("abcd"), "place": list("ABCD"), "numerator": [500, 300, 800, 1200],
                      "denominator": [100_000, 80_000, 150_000, 200_000]})
    t["value"] = t["numerator"] / t["denominator"] * 1e5
    limits, points = benchmark.funnel(t, "per 100,000")
    # pooled average: 2,800 / 530,000 x 100,000
    assert limits["baseline"].iloc[0] == pytest.approx(528.30, abs=0.01)
    sig = points.set_index("place")["significance"]
    # D: 1,200 observed against 1,056.6 expected (z about 4.4) -> above the 99.8% limit
    assert sig["D"].startswith("High") and sig["B"].startswith("Low") and sig["A"] == "Not significant"


def test_rate_funnel_limits_match_phstatsmethods_and_span_every_place():
    """Issue 18: PHStatsMethods solves each limit by bisection over a Poisson sum (6 s of the alcohol report);
    the closed form gives the same limits to its tolerance, and the lines now reach the largest place."""
    from PHStatsMethods import calculate_funnel_limits

    t = pd.DataFrame({"numerator": [500, 300, 800, 1200, 40], "denominator": [100_000, 80_000, 150_000, 200_000, 9000]})
    t["rate"] = t["numerator"] / t["denominator"] * 1e5
    ref = calculate_funnel_limits(t.copy(), "numerator", "rate", 100_000, denom_col="denominator", metadata=False,
                                  rate="rate", rate_type="crude", years_of_data=1)
    ours = benchmark.poisson_population_limits(ref["Events"].to_numpy(), 2840 / 539_000)
    for col in ours.columns.drop("Events"):
        assert ours[col].to_numpy() == pytest.approx(ref[col].to_numpy(), rel=1e-4), col
    lim = benchmark.rate_funnel_limits(t["numerator"].to_numpy(float), t["denominator"].to_numpy(float), 1e5)
    assert lim["baseline"].iloc[0] == pytest.approx(2840 / 539_000 * 1e5)
    for col in [c for c in lim.columns if c.endswith("_population_1_year")]:
        assert lim[col].max() >= 200_000 and lim[col].min() <= 9000, col  # every line spans every place


def test_byar_interval_matches_hand_calculation():
    t = pd.DataFrame({"numerator": [500.0], "denominator": [100_000.0]})
    out = benchmark._with_ci(t, "per 100,000").iloc[0]
    # Byar: 500 x (1 - 1/4500 - 1.96/(3 sqrt 500))^3 = 457.1
    assert out["value"] == 500
    assert out["lower"] == pytest.approx(457.13, abs=0.05)
    assert out["upper"] == pytest.approx(545.81, abs=0.05)


@pytest.mark.parametrize(("counts", "flag"), [
    ([1000, 1050, 1100, 1160, 1220], "increasing"),
    ([1220, 1160, 1100, 1050, 1000], "decreasing"),
    ([1000, 1010, 995, 1005, 1000], "no significant change"),
])
def test_recent_trend_flags(counts, flag):
    assert benchmark.recent_trend(pd.Series(counts), pd.Series([100_000] * 5)) == flag


def test_frequent_attenders_share_of_admissions_and_cost_by_hand():
    events = pd.DataFrame(
        [("E09000008", "alcohol", f"A{i}", "alcohol-related admission", "NHS / PCT", n) for i, n in
         enumerate([10] + [1] * 19)]
        + [("E09000008", "alcohol", "A0", "A&E attendance", "NHS / PCT", 4)],
        columns=["area_code", "theme", "person_id", "event", "agency", "count"])
    fa = alcohol.frequent_attenders(alcohol.patient_costs(events, "2013/14"))
    assert fa.patients == 20 and fa.frequent == 1  # the most admitted 5% of 20 patients
    assert fa.share == pytest.approx(10 / 29)
    stay, ae = costs.unit_cost("ALC_INPATIENT_STAY", "2013/14"), costs.unit_cost("UCD_AE_ATTENDANCE", "2013/14")
    assert fa.frequent_cost_gbp == pytest.approx(10 * stay + 4 * ae)
    assert fa.cost_share == pytest.approx((10 * stay + 4 * ae) / (29 * stay + 4 * ae))
    assert fa.cost_share > fa.share  # the A&E attendances add to the frequent attender's cost


def test_share_of_harm_weighs_harms_by_their_cost_not_an_unweighted_mean():
    """Issue 19: '84% of the harm' was a plain mean of four shares; now it is the share of the cost of harm."""
    from totalplace_lib.core.gaps import Missing

    rows = [("Intervention spend (£)", 1.0, 3.0), ("Crimes", 90.0, 10.0), ("Deaths", 1.0, 9.0),
            (alcohol.HARM_COST_ROW, 30.0, 10.0)]
    sah = pd.DataFrame(rows, columns=["measure", "alcohol", "drugs"])
    sah["alcohol_share"] = sah["alcohol"] / (sah["alcohol"] + sah["drugs"])
    assert alcohol.harm_share(sah) == pytest.approx(0.75)  # not (0.9 + 0.1 + 0.75) / 3
    sah["alcohol_share"] = [*sah["alcohol_share"].iloc[:3], Missing("no drug harm costs.")]
    gap = alcohol.harm_share(sah)
    assert isinstance(gap, Missing) and "both costs" in gap.reason


def test_the_sample_alcohol_funnel_allows_for_over_dispersion_and_says_so():
    """Issue 29: with exact limits 13 of 13 pilots lay outside the funnel, which tells a reviewer nothing."""
    from totalplace_lib.core import periods
    from totalplace_lib.report import charts, notebook

    place, ds = notebook.validate_run("birmingham", "sample", 2009)
    bench = benchmark.compare(ds, comparison.comparators(place, ds), alcohol.ADMISSIONS_INDICATOR,
                              periods.period_label(2009))
    limits, points = benchmark.funnel(bench, "per 100,000")
    assert len(points) == 13 and (points["significance"] == "Not significant").sum() >= 1
    chart = charts.funnel_chart(limits, points, place.name, "per 100,000", alcohol.ADMISSIONS_INDICATOR, "sample")
    assert "Spiegelhalter 2005" in chart.alt and "additive random effects" in chart.alt
