"""The redesign-case charts and explorer render from the engine's own outputs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from totalplace_lib.core import periods
from totalplace_lib.data.places import load_place
from totalplace_lib.methods import cba, comparison
from totalplace_lib.report import charts as plots
from totalplace_lib.report import notebook
from totalplace_lib.report.charts import layout


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
    from totalplace_lib.report.widgets import redesign_explorer

    s, a = croydon
    box = redesign_explorer(s, draws=2000, charts=False)
    a0, _ = box.recompute()
    assert a0.npv == pytest.approx(a.npv)
    box.sliders["success"].value = s.outcomes[0].success / 2  # halve the success rate
    a1, _ = box.recompute()
    assert a1.pv_fiscal == pytest.approx(a.pv_fiscal / 2, rel=1e-6)
    numbers = next(c for c in box.children if isinstance(getattr(c, "value", None), str) and "NPV" in c.value)
    assert "%" in numbers.value and all("%" in sl.readout_format for k, sl in box.sliders.items()
                                        if k in ("engagement", "success", "deadweight", "attribution"))


def test_the_uncertainty_ranges_follow_the_sliders(croydon):
    """Found in the JupyterLab test: with the success rate dragged to 0% the explorer showed BCR 0.00 beside
    P(benefits > costs) 46%, because the Monte Carlo still drew success from the case's original range."""
    from totalplace_lib.report.widgets import redesign_explorer

    s, _ = croydon
    key = next(k for k in s.uncertainty if k.endswith(".success"))
    box = redesign_explorer(s, draws=2000, charts=False)
    _, mc0 = box.recompute()
    assert 0 < mc0.p_benefit_exceeds_cost
    box.sliders["success"].value = 0.0
    a, mc = box.recompute()
    assert a.pv_benefits == 0 and mc.p_benefit_exceeds_cost == 0
    edited = cba.carry_ranges(s, replace(s, outcomes=[replace(s.outcomes[0], success=s.outcomes[0].success / 2),
                                                      *s.outcomes[1:]]))
    assert edited.uncertainty[key]["high"] == pytest.approx(s.uncertainty[key]["high"] / 2)
    assert cba.carry_ranges(s, s).uncertainty == s.uncertainty  # untouched: the report's own ranges


def test_every_outcome_of_a_case_can_be_explored_and_keeps_its_settings():
    """Issue 19: the alcohol explorer's sliders moved only the first outcome and said nothing."""
    from totalplace_lib.report.widgets import redesign_explorer

    s = cba.scenario_from_dict({
        "name": "two outcomes", "years": 5, "price_year": "2009/10", "costs": {"Council": [1000, 1000]},
        "outcomes": [{"name": "recovery", "cohort": 100, "engagement": 0.5, "success": 0.3, "deadweight": 0.1,
                      "attribution": 1.0, "confidence": 2, "persistence": [1, 1, 1, 1, 1], "fiscal": {"NHS": 100.0}},
                     {"name": "frequent_attenders", "cohort": 50, "engagement": 0.5, "success": 0.4,
                      "deadweight": 0.1, "attribution": 1.0, "confidence": 2, "persistence": [1, 1, 1, 1, 1],
                      "fiscal": {"NHS": 300.0}}]})
    box = redesign_explorer(s, draws=500, charts=True)
    base, _ = box.recompute()
    box.outcome.value = "frequent_attenders"
    assert box.sliders["success"].value == 0.4  # the sliders now show the second outcome
    box.sliders["success"].value = 0.0  # the second outcome no longer succeeds
    changed, _ = box.recompute()
    assert changed.pv_fiscal < base.pv_fiscal
    box.outcome.value = "recovery"
    assert box.sliders["success"].value == 0.3  # the first kept its own settings
    again, _ = box.recompute()
    assert again.pv_fiscal == pytest.approx(changed.pv_fiscal)  # and the second kept its edit


def test_funnel_limits_match_a_hand_calculation_and_the_axes_fit_the_places():
    """Poisson funnel around a pooled rate: at population P the 99.8% upper limit is near the rate whose
    expected count is E + 3 sqrt(E) (E = P x baseline); the chart's axes hold every place and no more than
    their range plus a margin (the limits at tiny populations used to stretch the y-axis to 600,000)."""
    import pandas as pd

    from totalplace_lib.methods import benchmark
    from totalplace_lib.report import charts as plots

    table = pd.DataFrame({"slug": list("abcd"), "place": ["A", "B", "C", "D"],
                          "numerator": [500, 800, 1200, 650], "denominator": [100_000, 150_000, 200_000, 120_000],
                          "value": [500.0, 533.3, 600.0, 541.7], "source": "hand"})
    limits, points = benchmark.funnel(table, "per 100,000")
    baseline = 3150 / 570_000 * 1e5
    assert float(limits["baseline"].iloc[0]) == pytest.approx(baseline, rel=1e-4)  # pooled: events over people
    row = limits.iloc[(limits["upper_3s_population_1_year"] - 200_000).abs().argmin()]
    expected = row["upper_3s_population_1_year"] * baseline / 1e5
    assert row["Events"] == pytest.approx(expected + 3 * expected ** 0.5, rel=0.02)
    chart = plots.funnel_chart(limits, points, "A", "per 100,000", "Admissions", "hand")
    ax = chart.fig.axes[0]
    lo, hi = ax.get_ylim()
    assert lo <= points["value"].min() and hi >= points["value"].max()
    assert hi < 2 * points["value"].max()  # fits the data, not the limits at a population of 1
    x0, x1 = ax.get_xlim()
    assert x0 <= points["denominator"].min() and x1 >= points["denominator"].max()


def test_the_redesign_explorer_shows_the_gap_instead_of_crashing_on_public_data():
    from totalplace_lib.core.gaps import Missing
    from totalplace_lib.report import widgets

    box = widgets.redesign_explorer(Missing("No figure for 'births' in the data <public>."))
    assert "No redesign case to explore" in box.value and "&lt;public&gt;" in box.value


def test_no_legend_covers_plotted_data(croydon):
    """Issue 19: the payback chart's legend sat on the payback line, the cohort chart's on ages 10-12.
    Every legend of the redesign and early-years charts now leaves the plotted data clear (checked in the
    drawn figure's display coordinates), and the check itself sees a legend placed on a line."""
    import matplotlib.pyplot as plt

    from totalplace_lib.methods import benchmark, count
    from totalplace_lib.themes import early_years

    s, a = croydon
    place, ds = notebook.validate_run("croydon", "sample", 2009)
    spend0, c0 = count.theme_count(ds, place, 2009, ("early_years",), ages=(0, 5))
    spend17, c17 = count.theme_count(ds, place, 2009, ("early_years", "children"), ages=(0, 17))
    act = ds.rows("activity", place.area_codes, 2009)
    bench = benchmark.compare(ds, comparison.comparators(place, ds), early_years.CLA_INDICATOR,
                              periods.period_label(2009, "march"))
    bc = early_years.birth_cohort(act, spend17, c0, c17, bench, place.slug)
    charts = [plots.payback_chart(cba.cash_flows(s), a, "src"),
              plots.cohort_cost_chart(early_years.cost_by_age(bc.projection), place.name, bc.births, c17.price_year),
              plots.npv_distribution_chart(cba.monte_carlo(s, draws=2000), "src", s.price_year)]
    for chart in charts:
        chart.fig.canvas.draw()
        for ax in chart.fig.axes:
            assert not plots.legend_overlaps_data(ax), chart.title
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0.5, 0.5], label="a line through the middle")
    ax.legend(loc="center")
    fig.canvas.draw()
    assert plots.legend_overlaps_data(ax)
    plt.close(fig)


def test_who_benefits_labels_do_not_print_over_each_other():
    """Issue 19: the heatmap's row labels printed over each other and its column labels collided."""
    from totalplace_lib.methods import count
    from totalplace_lib.themes import offenders

    place, ds = notebook.validate_run("central-bedfordshire-luton", "sample", 2009)
    act, ev = ds.rows("activity", place.area_codes, 2009), ds.rows("events", place.area_codes)
    c = count.theme_count(ds, place, 2009, ("offenders",))[1]
    sc, origin = cba.scenario_for(place, "offenders", offenders.scenario_values(
        offenders.prolific_cost(ev, act, 30, c.price_year)), 2009)
    a = cba.appraise(sc)
    chart = plots.who_benefits_chart(cba.who_benefits(a), a, origin)
    r = plots.renderer_of(chart.fig)
    ax = chart.fig.axes[0]
    for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
        boxes = [t.get_window_extent(r) for t in labels if t.get_text()]
        assert len(boxes) >= 3
        assert not any(b1.overlaps(b2) for i, b1 in enumerate(boxes) for b2 in boxes[i + 1:])


def test_long_titles_wrap_to_the_figure_and_start_where_the_chart_starts():
    """A chart with long category labels used to run its title and subtitle past the figure's edge (the
    alcohol cost tree by 8 inches), so the saved image grew twice as wide and was shown at half size. Titles
    now start at the labels' left edge and wrap to the figure: the saved image is the figure's width."""
    from totalplace_lib.methods import count
    from totalplace_lib.themes import alcohol

    place, ds = notebook.validate_run("leicester-leicestershire", "sample", 2009)
    _, c = count.theme_count(ds, place, 2009, ("alcohol",))
    tree = alcohol.cost_tree(ds.rows("activity", place.area_codes, 2009),
                             alcohol.england_admissions(ds, c.price_year), c.price_year)
    kent, _ = notebook.validate_run("kent", "sample", 2009)
    by_service = count.spend_by(count.place_spend(ds, kent, 2009), "service")
    for chart in (plots.cost_tree_chart(tree, place.name, c.price_year),
                  plots.spend_by_service_chart(by_service, count.high_level_count(ds, kent, 2009))):
        fig, ax = chart.fig, chart.fig.axes[0]
        width = fig.get_size_inches()[0]
        assert chart.bbox.width <= width + 0.25, (chart.title, chart.bbox)  # the crop adds 0.1 in a side
        renderer = plots.renderer_of(fig)
        title, labels = ax._tp_title.get_window_extent(renderer), ax.yaxis.get_tightbbox(renderer)
        assert abs(title.x0 - labels.x0) < 3 and title.x1 <= fig.bbox.x1  # starts with the labels, fits
        assert ax._tp_title.get_text().replace("\n", " ") == chart.title  # wrapped, not cut


def test_money_axis_labels_do_not_print_over_each_other():
    """Amounts under £1m were written in full on money axes, so a chart of a few hundred thousand pounds
    read "£100,000£200,000£300,000"; the ticks of every money chart are now apart."""
    import pandas as pd

    table = pd.DataFrame({"agency": ["Police", "Council", "NHS / PCT", "Probation"],
                          "amount_gbp": [489_000.0, 310_000.0, 120_000.0, 45_000.0]})
    chart = plots.hbar_money(table, "agency", "Who spends it", "£, 2009/10 prices", "test")
    chart.fig.canvas.draw()
    r = plots.renderer_of(chart.fig)
    labels = [t for t in chart.fig.axes[0].get_xticklabels() if t.get_text()]
    assert len(labels) >= 3 and all(t.get_text().endswith("k") or t.get_text() == "£0" for t in labels)
    boxes = [t.get_window_extent(r) for t in labels]
    assert not any(b1.overlaps(b2) for i, b1 in enumerate(boxes) for b2 in boxes[i + 1:])


def test_a_chart_is_saved_as_savefig_would_crop_it_and_never_cut_off():
    """Charts are cropped from their own canvas (drawn once) rather than by savefig(bbox_inches="tight"):
    to what is drawn plus savefig's margin (less where the figure ends first), so the image is no bigger
    than savefig's (text boxes reach a few pixels past their ink) and its border is blank; content pushed
    past the figure's edge is still shown whole, because such a chart goes to savefig, which draws beyond.
    """
    import io

    import numpy as np
    import pandas as pd
    from PIL import Image

    table = pd.DataFrame({"agency": ["Police", "Council: children's social care", "NHS / PCT"],
                          "amount_gbp": [4.2e6, 2.5e6, 0.9e6]})
    chart = plots.hbar_money(table, "agency", "Who spends it", "£, 2009/10 prices", "test")
    image = Image.open(io.BytesIO(chart.png())).convert("RGB")
    buf = io.BytesIO()
    chart.fig.savefig(buf, format="png", bbox_inches="tight")
    theirs = Image.open(buf).size
    margin = round(0.1 * chart.fig.dpi)  # savefig.pad_inches
    for ours, full in zip(image.size, theirs, strict=True):
        assert full - 2 * margin <= ours <= full + 1, (image.size, theirs)
    pixels = np.asarray(image)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    assert (border == 255).all()  # nothing drawn reaches the image's edge: nothing cut off
    width_px = chart.fig.get_figwidth() * chart.fig.dpi
    chart.fig.axes[0].annotate("a note running past the right edge", xy=(0.9, 0.5), xycoords="figure fraction")
    spilled = Image.open(io.BytesIO(chart.png())).size
    assert spilled[0] > width_px + 100  # the whole note, not the figure's width


def test_stage_labels_stay_inside_their_own_segment():
    """'early intervention' on one line ran over the preventive and reactive labels beside it."""
    import pandas as pd

    stages = pd.DataFrame({"stage": ["preventive", "early intervention", "reactive", "acute"],
                           "share": [0.18, 0.11, 0.59, 0.12]})
    chart = plots.stage_bar(stages, "29% of spend comes before crisis", "Share of spend by stage", "test")
    r = plots.renderer_of(chart.fig)
    ax = chart.fig.axes[0]
    labels = [t for t in ax.texts if t.get_text().endswith("%")]
    assert len(labels) == 4
    boxes = [t.get_window_extent(r) for t in labels]
    assert not any(b1.overlaps(b2) for i, b1 in enumerate(boxes) for b2 in boxes[i + 1:])
    left = 0.0
    for share, box in zip(stages["share"], boxes, strict=True):
        x0, x1 = (ax.transData.transform((v, 0))[0] for v in (left, left + share))
        assert x0 <= box.x0 and box.x1 <= x1, box
        left += share


def test_png_bytes_decode_to_the_pixels_drawn():
    """The charts' own PNG writer: any decoder gives back exactly the pixels (opaque charts as RGB, anything
    with transparency as RGBA), and a chart's file is no bigger than PIL's encoding of the same pixels."""
    import io

    import numpy as np
    import pandas as pd
    from PIL import Image

    rng = np.random.default_rng(7)
    opaque = rng.integers(0, 256, (37, 53, 4), dtype=np.uint8)
    opaque[..., 3] = 255
    clear = opaque.copy()
    clear[5:9, 3:40, 3] = 17
    for pixels, mode in ((opaque, "RGB"), (clear, "RGBA")):
        image = Image.open(io.BytesIO(plots.png_bytes(pixels)))
        assert image.mode == mode and image.size == (53, 37)
        assert (np.asarray(image) == (pixels[..., :3] if mode == "RGB" else pixels)).all()
    table = pd.DataFrame({"agency": ["Police", "Council", "NHS / PCT"], "amount_gbp": [4.2e6, 2.5e6, 0.9e6]})
    chart = plots.hbar_money(table, "agency", "Who spends it", "£, 2009/10 prices", "test")
    ours = chart.png()
    drawn = np.asarray(Image.open(io.BytesIO(ours)).convert("RGBA"))
    buf = io.BytesIO()
    Image.fromarray(drawn).save(buf, format="png")
    assert len(ours) <= len(buf.getvalue())


def test_text_sizes_shared_across_charts_are_the_sizes_agg_measures():
    """Charts share measured text sizes (each chart has its own renderer); a size is the same whichever
    renderer asks, for any text, font size and weight, and a font change is a different size."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    plots.apply_style()
    texts = ["£250k", "Council: children's social care", "Police accounts for 51% of spend"]
    props = [FontProperties(size=9.5), FontProperties(size=13, weight="bold"), FontProperties(size=8)]
    first, second = layout._Renderer(800, 500, 100), layout._Renderer(300, 200, 100)
    for text in texts:
        for prop in props:
            agg = RendererAgg(10, 10, 100).get_text_width_height_descent(text, prop, False)
            assert first.get_text_width_height_descent(text, prop, False) == agg
            assert second.get_text_width_height_descent(text, prop, False) == agg
    wide = layout._Renderer(800, 500, 200).get_text_width_height_descent(texts[0], props[0], False)
    assert wide[0] > first.get_text_width_height_descent(texts[0], props[0], False)[0] * 1.8  # resolution counts
