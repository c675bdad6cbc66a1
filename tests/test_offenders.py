"""Offenders theme: the Luton calibration, cost of crime and the published-figure check."""

from __future__ import annotations

import pytest

from totalplace_lib import concentration, costs, offenders
from totalplace_lib.data import load_dataset
from totalplace_lib.params import load_place


@pytest.fixture(scope="module")
def cbl():
    ds = load_dataset("sample")
    place = load_place("central-bedfordshire-luton")
    return ds.rows("events", place.area_codes), ds.rows("activity", place.area_codes)


def test_luton_prolific_cohort_costs_about_448000_each(cbl):
    ev, act = cbl
    pc = offenders.prolific_cost(ev, act)
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
        offenders.prolific_cost(ev, act, threshold=10_000)


def test_the_fiscal_value_of_a_desister_does_not_count_the_response_to_crime_twice():
    """Arrests, court events and custody are costed contact by contact (Unit Cost Database); the police and
    criminal-justice shares of the Home Office cost per offence are that same response, so they are left out."""
    from totalplace_lib import offenders
    from totalplace_lib.data import load_dataset

    ds = load_dataset("sample")
    place = load_place("central-bedfordshire-luton")
    pc = offenders.prolific_cost(ds.rows("events", place.area_codes), ds.rows("activity", place.area_codes))
    fiscal = offenders.scenario_values(pc)["fiscal_saving_per_desister"]
    contacts = pc.journey.groupby("agency")["cost_per_person_gbp"].sum()
    assert fiscal["Police"] == pytest.approx(contacts["Police"])  # contacts only, no Home Office police share
    per_person = pc.cohort_offences / pc.cohort
    assert fiscal["NHS / PCT"] == pytest.approx(contacts.get("NHS / PCT", 0.0)
                                                + per_person * pc.crime_per_offence["Health services"])
    by = pc.by_agency().set_index("agency")["amount_gbp"]
    assert sum(fiscal.values()) < by.drop("Victims and society").sum()  # the double count is gone
