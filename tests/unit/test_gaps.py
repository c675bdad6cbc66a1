"""Honest gaps: a missing input becomes a stated reason, never a crash, a NaN or an invented number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from totalplace_lib.core import gaps
from totalplace_lib.core.gaps import Missing, known_rows, partial_note, sentences
from totalplace_lib.methods import benchmark, count
from totalplace_lib.report import charts, record


def test_a_gap_passes_through_guarded_functions_and_reads_as_a_sentence():
    gap = Missing("no recorded crime by authority in the public files.")
    assert gap.reason.startswith("No recorded crime")
    assert count.spend_by(gap, "agency") is gap  # guarded: the same gap comes back
    assert charts.stage_chart(gap, gap) is gap
    assert f"{gap * 3 % 2:,.0f}" == "not available" and not gap
    assert "Not available for this place." in gap._repr_html_()


def test_known_rows_keeps_what_the_data_support_and_says_what_it_left_out():
    tree = pd.DataFrame({"component": ["NHS", "Police", "Courts"],
                         "cost_gbp": [1_000.0, Missing("no crime counts"), 250.0]})
    kept = known_rows(tree, "cost_gbp", "component")
    assert list(kept["component"]) == ["NHS", "Courts"] and kept["cost_gbp"].sum() == 1_250.0
    assert kept.attrs["left_out"] == ["Police: No crime counts"]
    assert partial_note(kept) == " (counted components only; 1 left out for lack of data)"
    assert partial_note(tree.iloc[[0]]) == ""
    none_known = known_rows(tree.iloc[[1]], "cost_gbp", "component")
    assert isinstance(none_known, Missing) and none_known.reason == "No crime counts"


def test_findings_drop_sentences_with_a_missing_figure_and_list_the_reasons():
    @sentences
    def findings(total, per_head):
        return [f"Spend was £{total:,.0f}.", f"That is £{per_head:,.0f} a head."]

    out = findings(1_000_000, Missing("no population for 2009."))
    assert out == ["Spend was £1,000,000.", "**Not available with this data:** No population for 2009."]


def test_shares_of_all_zero_spend_are_gaps_not_nan():
    zero = pd.DataFrame({"agency": ["Council"] * 2, "service": ["YOT", "Remands"], "stage": ["reactive", "acute"],
                         "amount_gbp": [0.0, 0.0]})
    for result in (count.spend_by(zero, "agency"), count.stage_split(zero), count.preventive_share(zero)):
        assert isinstance(result, Missing) and "£0" in result.reason
    spend = zero.assign(amount_gbp=[300.0, 100.0])
    assert count.preventive_share(spend) == 0.0
    assert count.spend_by(spend, "stage")["share"].tolist() == [0.75, 0.25]


def _bench(lower, upper, vs):
    return pd.DataFrame({"slug": ["luton", "england"], "place": ["Luton", "England"], "value": [599.0, 629.0],
                         "lower": [lower, 620.0], "upper": [upper, 638.0], "unit": ["per 100,000"] * 2,
                         "numerator": [np.nan, np.nan], "denominator": [np.nan, np.nan],
                         "vs_england": [vs, ""], "source": ["LAPE"] * 2})


def test_england_comparisons_say_when_they_are_untested():
    assert benchmark.versus_england(_bench(np.nan, np.nan, "below (no CI published)"), "luton") == \
        "below England (629 per 100,000; no confidence interval published, so untested)"
    assert benchmark.versus_england(_bench(560.0, 590.0, "lower"), "luton") == \
        "significantly lower than England (629 per 100,000)"


def test_a_funnel_needs_counts():
    limits, points = benchmark.funnel(_bench(np.nan, np.nan, "below (no CI published)"), "per 100,000")
    assert isinstance(limits, Missing) and limits is points and "counts" in limits.reason


def test_a_zero_count_gets_an_exact_interval():
    t = benchmark._with_ci(pd.DataFrame({"numerator": [0, 15], "denominator": [900, 900]}), "per 10,000")
    assert t["lower"].iloc[0] == 0.0
    assert t["upper"].iloc[0] == pytest.approx(3.689 / 900 * 1e4, rel=1e-3)  # exact Poisson upper for 0
    assert t["value"].iloc[1] == pytest.approx(166.67, rel=1e-3)


def test_a_missing_figure_is_recorded_with_its_reason():
    f = record.figure(Missing("no events table."), "persons", "2009/10", "public", "Prolific offenders")
    assert f["value"] is None and f["missing_reason"] == "No events table."
    assert record.figure(np.int64(339), "persons", "2010", "SFR27", "Children looked after")["value"] == 339
    assert isinstance(record.figure(np.int64(339), "persons", "2010", "SFR27", "CLA")["value"], int)


def test_guarded_tuple_functions_return_one_gap_per_item():
    @gaps.passes_gaps(returns=2)
    def pair(x: float) -> tuple[float, float]:
        return Missing("found inside") if x < 0 else (x, x)

    assert pair(1.0) == (1.0, 1.0)
    a, b = pair(-1.0)
    assert a is b and a.reason == "Found inside"
    gap = Missing("no input.")
    assert pair(gap) == (gap, gap)  # an argument that is a gap: the function is not called


def test_every_analysis_function_is_declared_gap_aware():
    # the modules whose results a report section shows: each public function says how it treats a gap
    import inspect

    from totalplace_lib.methods import benchmark, cohort, comparison, concentration, count, journey, provenance, series
    from totalplace_lib.methods.cba import engine, templates
    from totalplace_lib.report import narrative, sources, tables
    from totalplace_lib.report.charts import builders, cba, place, themes
    from totalplace_lib.themes import alcohol, early_years, offenders

    for module in (benchmark, cohort, comparison, concentration, count, journey, provenance, series, engine,
                   templates, builders, cba, place, themes, narrative, sources, tables, alcohol, early_years,
                   offenders):
        for name, fn in vars(module).items():
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_"):
                assert getattr(fn, "passes_gaps", False) or getattr(fn, "handles_gaps", False), \
                    f"{module.__name__}.{name} neither passes gaps on (@passes_gaps) nor handles them (@handles_gaps)"
