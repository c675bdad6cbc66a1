"""ipywidgets explorers for analysts in JupyterLab.

They wrap the same functions the report cells call, so what an analyst sees while
exploring is what the batch report would show for the same choices. Reports never
depend on widget state: these cells are tagged ``skip-execution`` and ``nbval-skip``.
"""

from __future__ import annotations

import html

from . import count, plots
from .data import Dataset
from .params import Place


def count_explorer(ds: Dataset, places: list[Place], year: int, start: str | None = None):
    """Pick a place and a breakdown (agency, service or stage) and see the chart.

    Returns
    -------
    ipywidgets.VBox
    """
    import ipywidgets as w
    from IPython.display import display

    by_slug = {p.slug: p for p in places}
    place_dd = w.Dropdown(options=[(p.name, p.slug) for p in places], value=start or places[0].slug,
                          description="Place")
    by_dd = w.ToggleButtons(options=["agency", "service", "stage"], value="agency", description="Break down by")
    out = w.Output()

    def redraw(*_):
        p = by_slug[place_dd.value]
        spend = count.place_spend(ds, p, year)
        c = count.high_level_count(ds, p, year)
        with out:
            out.clear_output(wait=True)
            if by_dd.value == "agency":
                display(plots.spend_by_agency_chart(count.spend_by(spend, "agency"), c))
            elif by_dd.value == "service":
                display(plots.spend_by_service_chart(count.spend_by(spend, "service"), c))
            else:
                display(plots.stage_chart(count.stage_split(spend), c))

    place_dd.observe(redraw, names="value")
    by_dd.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([place_dd, by_dd]), out])


def redesign_explorer(scenario, draws: int = 10_000, seed: int = 2010):
    """Sliders for a scenario's main assumptions, discount rate and optimism bias; shows NPV, BCR,
    payback and P(benefits > costs) from a fresh Monte Carlo on every change.

    Returns
    -------
    ipywidgets.VBox
    """
    import dataclasses

    import ipywidgets as w

    from . import cba, fmt
    from .gaps import Missing

    if isinstance(scenario, Missing):  # public data without the inputs for a redesign case: say why, do not crash
        return w.HTML(f"<p><b>No redesign case to explore for this place.</b> {html.escape(scenario.reason)}</p>")
    o = scenario.outcomes[0]
    sliders = {
        "engagement": w.FloatSlider(value=o.engagement, min=0, max=1, step=0.05, description="engagement"),
        "success": w.FloatSlider(value=o.success, min=0, max=1, step=0.05, description="success rate"),
        "deadweight": w.FloatSlider(value=o.deadweight, min=0, max=0.9, step=0.05, description="deadweight"),
        "attribution": w.FloatSlider(value=o.attribution, min=0, max=1, step=0.05, description="attribution"),
        "discount_rate": w.FloatSlider(value=scenario.discount_rate or 0.035, min=0, max=0.1, step=0.005,
                                       description="discount rate", readout_format=".1%"),
        "optimism_bias": w.FloatSlider(value=scenario.optimism_bias, min=0, max=2, step=0.25,
                                       description="optimism bias x"),
    }
    out = w.HTML()

    def recompute(*_):
        first = dataclasses.replace(o, **{k: sliders[k].value for k in ("engagement", "success", "deadweight",
                                                                           "attribution")})
        s = dataclasses.replace(scenario, outcomes=[first, *scenario.outcomes[1:]],
                                discount_rate=sliders["discount_rate"].value,
                                optimism_bias=sliders["optimism_bias"].value)
        a = cba.appraise(s)
        mc = cba.monte_carlo(s, draws=draws, seed=seed)
        out.value = (f"<b>NPV</b> {fmt.money(a.npv)} &nbsp; <b>BCR</b> {a.bcr:.2f} ({a.vfm}) &nbsp; "
                     f"<b>payback</b> {a.payback_label or 'not within horizon'} &nbsp; "
                     f"<b>P(benefits &gt; costs)</b> {fmt.share(mc.p_benefit_exceeds_cost)}")
        return a, mc

    for sl in sliders.values():
        sl.observe(recompute, names="value")
    recompute()
    box = w.VBox([*sliders.values(), out])
    box.recompute = recompute  # for tests and benchmarks: the exact work one slider move triggers
    return box
