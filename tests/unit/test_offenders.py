"""Offenders theme: the Luton calibration, cost of crime and the published-figure check."""

from __future__ import annotations

import pytest

from totalplace_lib.data.datasets import load_dataset
from totalplace_lib.data.places import load_place
from totalplace_lib.methods import concentration, costs
from totalplace_lib.themes import offenders


@pytest.fixture(scope="module")
def cbl():
    ds = load_dataset("sample")
    place = load_place("central-bedfordshire-luton")
    return ds.rows("events", place.area_codes), ds.rows("activity", place.area_codes)


def test_luton_prolific_cohort_costs_about_448000_each(cbl):
    ev, act = cbl
    pc = offenders.prolific_cost(ev, act, 30, "2009/10")
    assert pc.cohort == pytest.approx(250, rel=0.10)
    assert pc.per_offender_gbp == pytest.approx(112e6 / 250, rel=0.02)
    assert pc.total_gbp == pytest.approx(112e6 * pc.cohort / 250, rel=0.02)
    # the parts add up, and every agency's share is a real share
    assert pc.by_agency()["amount_gbp"].sum() == pytest.approx(pc.per_offender_gbp)


def test_offending_is_concentrated_as_the_issue_describes(cbl):
    ev, _ = cbl
    share = concentration.top_share(offenders.offences_per_person(ev), 0.02)
    assert 0.25 <= share <= 0.34


def test_published_factor_of_ten_slip_is_exposed():
    check = offenders.published_check().set_index("check")
    assert check.loc["total ÷ cohort", "value_gbp"] == 448_000
    ratio = check.loc["quoted per offender", "ratio_to_implied"]
    assert ratio == pytest.approx(44_000 / 448_000)
    assert ratio < 0.2  # an order of magnitude out


def test_cost_of_crime_uses_home_office_costs_deflated_and_splits_fully(cbl):
    _, act = cbl
    cc = offenders.crime_costs(act, "2009/10")
    row = cc.set_index("offence").loc["violence with injury"]
    assert row["unit_cost_gbp"] == pytest.approx(costs.uprate(14050, "2015/16", "2009/10"))
    assert row["unit_cost_gbp"] < 14050  # deflated to the earlier year
    split = cc[list(offenders.BEARERS)].sum(axis=1)
    assert split.to_numpy() == pytest.approx(cc["cost_gbp"].to_numpy())
    hom = cc.set_index("offence").loc["homicide"]
    assert hom["Police"] == pytest.approx(hom["offences"] * costs.uprate(11960, "2015/16", "2009/10"))


def test_threshold_with_nobody_above_it_says_so(cbl):
    ev, act = cbl
    with pytest.raises(ValueError, match="lower the threshold"):
        offenders.prolific_cost(ev, act, 10_000, "2009/10")


def test_the_fiscal_value_of_a_desister_does_not_count_the_response_to_crime_twice():
    """Arrests, court events and custody are costed contact by contact (Unit Cost Database); the police and
    criminal-justice shares of the Home Office cost per offence are that same response, so they are left out."""
    from totalplace_lib.data.datasets import load_dataset
    from totalplace_lib.themes import offenders

    ds = load_dataset("sample")
    place = load_place("central-bedfordshire-luton")
    pc = offenders.prolific_cost(ds.rows("events", place.area_codes), ds.rows("activity", place.area_codes), 30,
                                 "2009/10")
    fiscal = offenders.scenario_values(pc)["fiscal_saving_per_desister"]
    contacts = pc.journey.groupby("agency")["cost_per_person_gbp"].sum()
    assert fiscal["Police"] == pytest.approx(contacts["Police"])  # contacts only, no Home Office police share
    per_person = pc.cohort_offences / pc.cohort
    assert fiscal["NHS / PCT"] == pytest.approx(contacts.get("NHS / PCT", 0.0)
                                                + per_person * pc.crime_per_offence["Health services"])
    by = pc.by_agency().set_index("agency")["amount_gbp"]
    assert sum(fiscal.values()) < by.drop("Victims and society").sum()  # the double count is gone


def test_the_iom_case_is_costed_at_the_reports_prices():
    """Issue 29: the IOM cost a head is stated at 2009/10 prices; a 2021/22 case must not use 2009/10 pounds."""
    from dataclasses import replace

    from totalplace_lib.methods import assumptions
    from totalplace_lib.methods.costs import uprate

    ds = load_dataset("sample")
    place = load_place("central-bedfordshire-luton")
    pc = offenders.prolific_cost(ds.rows("events", place.area_codes), ds.rows("activity", place.area_codes), 30,
                                 "2009/10")
    at_2009 = offenders.scenario_values(pc)
    later = offenders.scenario_values(replace(pc, price_year="2021/22"))
    head = assumptions.assumptions("offenders")["iom_cost_per_head"]
    assert head.price_year == "2009/10" and head.source and head.grade == 4
    shares = assumptions.value("offenders", "iom_funding")
    assert sum(shares.values()) == pytest.approx(1.0)
    for agency, share in shares.items():
        assert at_2009[f"iom_cost:{agency}"] == round(pc.cohort * head.value * share)
        assert later[f"iom_cost:{agency}"] == round(pc.cohort * uprate(head.value, "2009/10", "2021/22") * share)
        assert later[f"iom_cost:{agency}"] > at_2009[f"iom_cost:{agency}"]
