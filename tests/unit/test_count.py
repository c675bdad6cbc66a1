"""The Total Place count on hand-made data, and on the calibrated sample."""

from __future__ import annotations

import pandas as pd
import pytest

from totalplace_lib.core import fmt
from totalplace_lib.data.datasets import Dataset, load_dataset
from totalplace_lib.data.places import Place, load_places
from totalplace_lib.methods import comparison, count


def tiny() -> tuple[Dataset, Place, Place]:
    spend = pd.DataFrame(
        [
            # area, agency, service, stage, £, discretionary
            ("E00000001", "Council", "Libraries", "preventive", 100.0, True),
            ("E00000001", "Council", "Care", "reactive", 300.0, False),
            ("E00000002", "NHS / PCT", "A&E", "acute", 500.0, False),
            ("E00000002", "Police", "Patrol", "early intervention", 100.0, False),
            ("E00000003", "Police", "Patrol", "reactive", 1000.0, False),
        ],
        columns=["area_code", "agency", "service", "stage", "amount_gbp", "discretionary"],
    )
    spend = spend.assign(year=2009, theme="general", price_year="2009/10", source="hand-made")
    pop = pd.DataFrame({"area_code": ["E00000001", "E00000002", "E00000003"], "year": 2009, "age": 30,
                        "persons": [10, 10, 5], "source": "hand-made"})
    empty = pd.DataFrame()
    areas = pd.DataFrame({"area_code": ["E00000001", "E00000002", "E00000003"]})
    ds = Dataset("test", areas, pop, spend, empty, empty, empty, empty)
    a = Place("a", "Place A", ("E00000001", "E00000002"))
    b = Place("b", "Place B", ("E00000003",))
    return ds, a, b


def test_high_level_count_by_hand():
    ds, a, _ = tiny()
    c = count.high_level_count(ds, a, 2009)
    assert c.total_gbp == 1000.0
    assert c.population == 20
    assert c.per_head_gbp == 50.0
    assert c.preventive_share == pytest.approx(0.2)  # 100 preventive + 100 early intervention of 1000
    assert c.council_discretionary_gbp == 100.0
    assert c.discretionary_per_head_gbp == 5.0


def test_spend_by_and_stage_split_add_up():
    ds, a, _ = tiny()
    s = count.place_spend(ds, a, 2009)
    by = count.spend_by(s, "agency")
    assert list(by["agency"]) == ["NHS / PCT", "Council", "Police"]
    assert by["share"].sum() == pytest.approx(1.0)
    st = count.stage_split(s)
    assert list(st["stage"]) == ["preventive", "early intervention", "reactive", "acute"]
    assert st["amount_gbp"].sum() == s["amount_gbp"].sum()


def test_compare_places_ranks_by_spend_per_head():
    ds, a, b = tiny()
    t = comparison.compare_places(ds, [a, b], 2009)
    assert list(t["slug"]) == ["b", "a"]  # 200/head beats 50/head
    assert list(t["rank_per_head"]) == [1, 2]
    pooled = comparison.peer_summary(t)
    assert pooled["per_head_gbp"] == pytest.approx(2000 / 25)


def test_mixed_price_years_are_refused():
    ds, a, _ = tiny()
    ds.spend.loc[0, "price_year"] = "2013/14"
    with pytest.raises(ValueError, match="mixes price years"):
        count.high_level_count(ds, a, 2009)


def test_sample_reproduces_total_place_headlines():
    """The 13 pilots: >11 million people, about £82bn, about £350 a head council discretionary."""
    ds = load_dataset("sample")
    places = load_places("sample")
    t = comparison.compare_places(ds, places, 2009)
    pooled = comparison.peer_summary(t)
    assert len(t) == 13
    assert pooled["population"] > 11_000_000
    assert pooled["total_gbp"] == pytest.approx(82e9, rel=0.005)
    assert 7000 <= pooled["per_head_gbp"] <= 7700  # published: ~£7,455 a head
    disc = (t["discretionary_per_head_gbp"] * t["population"]).sum() / pooled["population"]
    assert disc == pytest.approx(350, rel=0.01)
    assert t["per_head_gbp"].max() / t["per_head_gbp"].min() > 1.1  # places differ


@pytest.mark.parametrize("value, text", [(82e9, "£82.0bn"), (112e6, "£112m"), (448000, "£448,000"),
                                         (4.9e6, "£4.9m"), (-2.5e6, "-£2.5m"), (7455.4, "£7,455")])
def test_money_format(value, text):
    assert fmt.money(value) == text


@pytest.mark.parametrize("value, text", [(1.2e9, "£1.2bn"), (1e9, "£1bn"), (4e8, "£400m"), (8000, "£8,000"),
                                         (250e3, "£250k"), (12_500, "£12.5k"), (-5e5, "-£500k")])
def test_axis_ticks_are_distinct_and_short(value, text):
    assert fmt.money_tick(value) == text


def test_sample_counts_have_no_function_split_and_theme_findings_do_not_call_it_a_gap():
    """Only the public count's lines carry a COFOG function: on the sample the big-three share is simply not
    there (None, recorded with its reason), not a gap that every theme's findings would list."""
    from totalplace_lib.core.gaps import _all_missing
    from totalplace_lib.data.places import load_place

    ds = load_dataset("sample")
    place = load_place("croydon")
    c = count.high_level_count(ds, place, 2009)
    assert c.big_three_share is None and not _all_missing(c)
    fig = count.key_figures(c, "sample")["social_protection_education_health_share"]
    assert fig["value"] is None and "COFOG" in fig["missing_reason"]


def test_a_theme_with_no_spend_lines_is_a_gap_that_keeps_the_reports_price_year():
    """A place whose data hold no spend lines for a theme still has its harm, unit costs and redesign case
    stated at the report year's prices (Essex's alcohol report failed on the missing count's price year)."""
    from totalplace_lib.core.gaps import Missing
    from totalplace_lib.methods import costs
    from totalplace_lib.themes import alcohol

    ds, a, _ = tiny()
    spend, c = count.theme_count(ds, a, 2009, ("alcohol",))
    assert isinstance(spend, Missing) and isinstance(c, Missing) and isinstance(c.per_head_gbp, Missing)
    assert "no alcohol spend lines for Place A in 2009/10" in c.reason
    assert c.price_year == "2009/10"
    sample = load_dataset("sample")
    assert alcohol.england_admissions(sample, c.price_year) > 0
    assert costs.unit_cost("ALC_INPATIENT_STAY", c.price_year) > 0


def test_what_is_worked_out_from_a_dataset_is_shared_until_its_tables_change():
    """Two loads of the same files share one memo (a batch kernel's reports work each index out once); a
    place's rows from the index are the rows a scan finds; a replaced table gets a memo of its own; and a
    report changing its copy of a table never changes what the next report loads."""
    first, second = load_dataset("sample"), load_dataset("sample")
    assert first.version is not None and first.memo() is second.memo()
    codes = ("E06000056", "E08000025")
    scanned = first.spend[first.spend["area_code"].isin(codes)]
    assert set(scanned["area_code"]) == set(codes)
    assert first.area_rows("spend", codes).equals(scanned)
    assert first.rows("spend", codes, 2009).equals(scanned[scanned["year"] == 2009])
    import dataclasses

    assert dataclasses.replace(second, spend=second.spend.iloc[:5]).memo() is not second.memo()
    first.spend = first.spend.iloc[:5]
    assert first.version is None and first.memo() is not second.memo()
    assert len(first.area_rows("spend", tuple(first.spend["area_code"]))) == 5
    total = float(second.spend["amount_gbp"].sum())
    second.spend["amount_gbp"] *= 0  # a report changing its own copy ...
    second.spend.loc[second.spend.index[0], "area_code"] = "E00000000"
    third = load_dataset("sample")  # ... leaves the next report's tables as the files hold them
    assert float(third.spend["amount_gbp"].sum()) == total and "E00000000" not in set(third.spend["area_code"])
