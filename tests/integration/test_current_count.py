"""The count on current boundaries (``public-current``) against the 2014 count it is shared down from: every 2014
authority is the sum of its pieces to the penny in every year, so each county is the sum of its districts and each
region of its authorities; districts' own accounts stay their own; the places the issue names each have a count in
every year 2009/10 -> 2024/25."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

YEARS = range(2009, 2025)


@pytest.fixture(scope="module")
def both(public_data):
    from totalplace_lib.data.datasets import load_dataset

    return load_dataset("public"), load_dataset("public-current")


@pytest.fixture(scope="module")
def current(public_data):
    from totalplace_lib.data.places import current_areas

    return current_areas("public-current")


def _pence(s: pd.DataFrame) -> pd.Series:
    """Spend in whole pence by area and year (so sums compare exactly)."""
    return s.assign(p=np.round(s["amount_gbp"] * 100).astype(np.int64)).groupby(["area_code", "year"])["p"].sum()


def test_every_region_and_every_2014_authority_is_the_sum_of_its_current_parts_to_the_penny(both, current):
    old, new = both
    o, n = _pence(old.spend), _pence(new.spend)
    assert o.xs("E92000001").equals(n.xs("E92000001"))  # England's own lines as they are
    region_old = old.areas.set_index("area_code")["region"]
    region_new = new.areas.set_index("area_code")["region"]
    for year in YEARS:
        a = o.xs(year, level="year").drop("E92000001", errors="ignore")
        b = n.xs(year, level="year").drop("E92000001", errors="ignore")
        assert a.groupby(region_old).sum().to_dict() == b.groupby(region_new).sum().to_dict(), year
        assert int(a.sum()) == int(b.sum())
        for u in ("E10000017", "E10000006", "E10000009", "E10000021", "E10000002", "E10000023"):
            parts = [c for c in new.areas["area_code"] if c in current.index
                     and current.loc[c, "districts14"] & current.loc[u, "districts14"]]
            whole = int(a[u]) + sum(int(a.get(w, 0)) for w in ("E06000028", "E06000029") if u == "E10000009")
            assert whole == int(b.reindex(parts).sum()), (u, year)


def test_cumberland_is_its_predecessor_districts_own_accounts_plus_their_share_of_cumbria(both, public_data):
    """Before 2023, Cumberland = Allerdale, Carlisle and Copeland's own council accounts (reported) plus their share
    of every other Cumbrian line by residents (the driver named on each line)."""
    from totalplace_lib.data.datasets import optional_table
    from totalplace_lib.ingest.count_model import Classification

    old, new = both
    body = optional_table("public", "body_outturn")
    council = {k: r["service"] for k, r in Classification.load().services.items() if r["agency"] == "Council"}
    for year in (2009, 2015, 2019, 2022):
        mine = new.rows("spend", ("E06000063",), year)
        own = mine[mine["basis"].eq("reported") & mine["agency"].eq("Council")]
        b = body[body["name"].isin(["Allerdale", "Carlisle", "Copeland"]) & (body["year"] == year)
                 & (body["status"] == "reported") & body["service"].isin(set(council))]
        by_service = b.groupby(b["service"].map(council))["amount_gbp"].sum()
        assert len(own) >= 5, year
        reported = own.groupby("service")["amount_gbp"].sum().round(2).to_dict()
        published = by_service[by_service > 0].round(2).to_dict()
        assert reported.items() <= published.items(), year  # each line the districts' own figure, to the penny
        assert sum(reported.values()) > 0.8 * sum(published.values()), year  # (a line the count renamed, e.g.
        # public health less substance misuse, is shared with the county's instead)
        assert own["driver"].str.contains("own accounts").all()
        shared = mine[mine["basis"].eq("apportioned")]
        assert shared["driver"].str.contains("Cumbria's").all()
        cumbria = old.rows("spend", ("E10000006",), year)["amount_gbp"].sum()
        wf = new.rows("spend", ("E06000064",), year)["amount_gbp"].sum()
        assert round(mine["amount_gbp"].sum() + wf, 2) == round(cumbria, 2)
    # a line shared by residents of all ages: Cumberland's part is its residents' share of Cumbria's, to the penny
    line = mine[mine["driver"].str.startswith("resident population of all ages", na=False)
                & mine["driver"].str.endswith("residents of all ages, mid-2021", na=False)]
    if len(line):
        whole = old.rows("spend", ("E10000006",), 2022)
        one = line.iloc[0]
        w = whole[(whole["service"] == one["service"]) & (whole["agency"] == one["agency"])]["amount_gbp"].sum()
        p = new.population[(new.population["year"] == 2021) & new.population["area_code"].isin(["E06000063",
                                                                                                  "E06000064"])]
        share = p[p["area_code"] == "E06000063"]["persons"].sum() / p["persons"].sum()
        assert abs(one["amount_gbp"] - w * share) < 0.01


def test_bcp_is_bournemouth_and_poole_whole_and_christchurch_from_dorset(both, current):
    old, new = both
    for year in (2010, 2017, 2023):
        bcp = new.rows("spend", ("E06000058",), year)["amount_gbp"].sum()
        dorset_ua = new.rows("spend", ("E06000059",), year)["amount_gbp"].sum()
        b, p, county = (old.rows("spend", (c,), year)["amount_gbp"].sum()
                        for c in ("E06000028", "E06000029", "E10000009"))
        christchurch = bcp - b - p
        assert round(christchurch + dorset_ua, 2) == round(county, 2)
        assert 0.08 * county < christchurch < 0.2 * county  # Christchurch: about one in eight of Dorset's residents
    lines = new.rows("spend", ("E06000058",), 2015)
    assert lines["driver"].str.contains("Christchurch", na=False).any() or lines["driver"].str.contains(
        "population_splits", na=False).any()


@pytest.mark.parametrize("codes", [("E06000063",), ("E06000065",), ("E06000058",), ("E06000060",), ("E07000117",),
                                   ("E07000117", "E07000122", "E07000125")])
def test_the_named_places_have_a_count_and_residents_every_year(both, codes):
    from totalplace_lib.data.places import Place
    from totalplace_lib.methods.count import population_nearest

    _, new = both
    s = new.area_rows("spend", codes)
    by_year = s.groupby("year")["amount_gbp"].sum()
    assert all(by_year.get(y, 0) > 0 for y in YEARS)
    per_head = [by_year[y] / population_nearest(new, codes, y)[0] for y in YEARS]
    assert all(4_000 < v < 25_000 for v in per_head), per_head  # a plausible public spend per resident every year
    place = Place(slug="x", name="x", area_codes=codes, dataset="public-current")
    assert place.area_codes == codes


def test_population_on_current_boundaries_counts_nobody_twice(both):
    _, new = both
    p = new.population
    for code in ("E06000063", "E07000117", "E06000058"):
        by_year = p[p["area_code"] == code].groupby("year")["persons"].sum()
        years = sorted(by_year.index)
        steps = [abs(by_year[b] / by_year[a] - 1) for a, b in zip(years, years[1:], strict=False) if b == a + 1]
        assert max(steps) < 0.03, (code, by_year.to_dict())  # no year doubled or halved


def test_neighbours_on_current_boundaries_are_of_the_same_kind(both):
    from totalplace_lib.methods import neighbours

    _, new = both
    burnley = neighbours.nearest(new, ("E07000117",))
    assert len(burnley) == 5 and burnley["area_code"].str.startswith("E07").all()
    assert "Hyndburn" in set(burnley["area_name"])  # its deprived East Lancashire neighbour, not the Home Counties
    lancs = neighbours.nearest(new, neighbours.unions(new)["E10000017"])
    assert len(lancs) == 5 and not lancs["area_code"].str.startswith("E07").any()
    assert lancs["area_code"].str.startswith("E10").sum() >= 3
    cumberland = neighbours.nearest(new, ("E06000063",))
    assert not cumberland["area_code"].str.startswith("E07").any()


def test_national_plans_on_current_boundaries(public_data):
    from totalplace_lib.batch.runner import plan

    upper, bad = plan(None, ["place"], "public-current", all_areas=True)
    assert not bad and len(upper) == 153  # every upper-tier authority of 2023
    assert {j.dataset for j in upper} == {"public-current"}
    slugs = {j.place.slug for j in upper}
    assert {"e10000017", "e06000063", "e06000058", "e06000065"} <= slugs and "e10000006" not in slugs
    districts, bad = plan(None, ["place"], "public", all_districts=True)
    assert not bad and len(districts) == 296 and {j.dataset for j in districts} == {"public-current"}


def test_since_2019_bcp_and_dorset_each_hold_their_own_councils_accounts(both, public_data):
    """The 2014 count shares BCP council's accounts among Bournemouth, Poole and Dorset's 2014 county and merges
    its Dorset share into the county's council line beside Dorset Council's own: on current boundaries each
    council's accounts are whole in its own place again."""
    from totalplace_lib.data.datasets import optional_table

    _, new = both
    body = optional_table("public", "body_outturn")
    for year in (2019, 2022):
        b = body[(body["year"] == year) & (body["service"] == "Adult_Social_Care") & (body["status"] == "reported")]
        for code in ("E06000058", "E06000059"):
            s = new.rows("spend", (code,), year)
            council = s[s["agency"].eq("Council") & s["level"].eq("council")
                        & s["service"].str.startswith("Adult social care", na=False)
                        & ~s["service"].str.contains(":", regex=False)]
            published = float(b.loc[b["ons_code"] == code, "amount_gbp"].sum())
            assert abs(council["amount_gbp"].sum() - published) < 1.0, (code, year)
