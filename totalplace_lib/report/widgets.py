"""ipywidgets explorers for analysts in JupyterLab.

They wrap the same functions the report cells call, so what an analyst sees while
exploring is what the batch report would show for the same choices. Reports never
depend on widget state: these cells are tagged ``skip-execution`` and ``nbval-skip``.
"""

from __future__ import annotations

import html

from totalplace_lib.data import places as params
from totalplace_lib.data.datasets import Dataset
from totalplace_lib.data.places import Place
from totalplace_lib.methods import count
from totalplace_lib.report import charts as plots

_CHOSEN: dict[str, tuple[str, str, int]] = {}
"""The place, dataset and year picked in this kernel session (the picker's choice outlives Run All, which
re-runs the parameters cell, and ends with the kernel)."""


def default_year(theme: str, dataset: str) -> int:
    """Financial year start a theme reports on for a dataset, as the batch chooses (:func:`themes.default_year`)."""
    from totalplace_lib.data.datasets import default_year as chosen

    return chosen(theme, dataset)


def _run_all(status) -> None:
    """Ask JupyterLab to run every cell of the notebook (through ipylab's command bridge)."""
    try:
        from ipylab import JupyterFrontEnd
    except ImportError:  # not installed: the analyst runs the cells
        status.value = status.value + " Now choose <b>Run &#9656; Run All Cells</b>."
        return
    JupyterFrontEnd().commands.execute("notebook:run-all-cells")


def place_picker(area: str, dataset: str, year: int, theme: str) -> tuple[str, str, int]:
    """Pick a place, dataset and year from lists by name; *Show this place* re-runs the whole notebook for it.

    Call it in the cell after the ``parameters`` cell as ``area, dataset, year = place_picker(...)``: it shows
    the lists (:func:`picker`) and returns the choice made in this kernel session, or the parameters unchanged
    when nothing has been picked (a batch run skips the cell). The committed notebook never changes: the
    choice lasts until the kernel restarts.

    Parameters
    ----------
    area, dataset, year
        The notebook's parameters.
    theme : str
        The notebook's theme (``place``, ``offenders``, ``early_years``, ``alcohol``), for the default year.

    Returns
    -------
    (area, dataset, year)
        To use in place of the parameters.
    """
    from IPython.display import display

    area, dataset, year = _CHOSEN.get("choice", (area, dataset, year))
    display(picker(area, dataset, year, theme))
    return area, dataset, year


def picker(area: str, dataset: str, year: int, theme: str, run_all=_run_all):
    """The lists behind :func:`place_picker`: choosing a dataset lists its places by name (the pilots on the
    sample, every upper-tier authority on public data) and sets the year the batch would use for it; the
    button records the choice and calls ``run_all(status)``.

    Returns
    -------
    ipywidgets.VBox
        With ``.dataset``, ``.place``, ``.year``, ``.go`` and ``.status`` (for tests).
    """
    import ipywidgets as w

    wide = {"description_width": "8em"}
    datasets = params.available_datasets()
    ds_dd = w.Dropdown(options=datasets + [dataset] * (dataset not in datasets), value=dataset,
                       description="Dataset", style=wide)
    place_dd = w.Dropdown(description="Place", style=wide, layout=w.Layout(width="34em"))
    year_box = w.BoundedIntText(value=year, min=1990, max=2100, description="Year starting", style=wide,
                                layout=w.Layout(width="16em"))
    go = w.Button(description="Show this place", button_style="primary", icon="play")
    status = w.HTML()

    def list_places(*_):
        try:
            choices = params.place_choices(ds_dd.value)
        except Exception as exc:  # a dataset that cannot be read: say so, keep the lists usable
            place_dd.options, status.value = [], f"<b>Cannot list places:</b> {html.escape(str(exc))}"
            return
        status.value = ""
        place_dd.options = choices
        values = [v for _, v in choices]
        place_dd.value = area if area in values else (values[0] if values else None)
        year_box.value = year if ds_dd.value == dataset else default_year(theme, ds_dd.value)

    def show(_):
        if place_dd.value is None:
            return
        _CHOSEN["choice"] = (place_dd.value, ds_dd.value, int(year_box.value))
        name = next(n for n, v in place_dd.options if v == place_dd.value)
        status.value = (f"Running the notebook for <b>{html.escape(name)}</b> ({html.escape(ds_dd.value)}, "
                        f"{year_box.value})&hellip;")
        run_all(status)

    ds_dd.observe(list_places, names="value")
    go.on_click(show)
    list_places()
    note = w.HTML("<small>The choice lasts until the kernel restarts; the notebook's parameters cell keeps its "
                  "defaults, so the committed notebook never changes.</small>")
    box = w.VBox([w.HBox([ds_dd, year_box]), w.HBox([place_dd, go]), status, note])
    box.dataset, box.place, box.year, box.go, box.status = ds_dd, place_dd, year_box, go, status
    return box


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


def redesign_explorer(scenario, draws: int = 10_000, seed: int = 2010, charts: bool = True):
    """Sliders for every outcome's main assumptions, the discount rate and optimism bias; shows NPV, BCR,
    payback and P(benefits > costs) from a fresh Monte Carlo on every change, and redraws the payback chart,
    the tornado and the NPV distribution (``charts=False``: numbers only).

    Pick the outcome the four outcome sliders edit; each outcome keeps its own settings.

    Returns
    -------
    ipywidgets.VBox
        With ``.sliders`` (name -> slider), ``.outcome`` (the outcome picker) and ``.recompute()``.
    """
    import dataclasses

    import ipywidgets as w
    from IPython.display import display

    from totalplace_lib.core import fmt
    from totalplace_lib.core.gaps import Missing
    from totalplace_lib.methods import cba

    if isinstance(scenario, Missing):  # public data without the inputs for a redesign case: say why, do not crash
        return w.HTML(f"<p><b>No redesign case to explore for this place.</b> {html.escape(scenario.reason)}</p>")
    current = {o.name: o for o in scenario.outcomes}  # each outcome's settings as the analyst left them
    wide = {"description_width": "18em"}
    layout = w.Layout(width="38em")
    outcome = w.Dropdown(options=list(current), value=scenario.outcomes[0].name,
                         description="Outcome the sliders below change", style=wide, layout=layout)

    def share_slider(label: str, value: float, top: float = 1.0):
        return w.FloatSlider(value=value, min=0, max=top, step=0.05, description=label, readout_format=".0%",
                             style=wide, layout=layout, continuous_update=False)

    first = scenario.outcomes[0]
    sliders = {
        "engagement": share_slider("Engagement (share of the cohort who take part)", first.engagement),
        "success": share_slider("Success rate (of those who take part)", first.success),
        "deadweight": share_slider("Deadweight (would have happened anyway)", first.deadweight, 0.9),
        "attribution": share_slider("Attribution (share due to this change)", first.attribution),
        "discount_rate": w.FloatSlider(value=scenario.discount_rate or 0.035, min=0, max=0.1, step=0.005,
                                       description="Discount rate (a year; Green Book 3.5%)", readout_format=".1%",
                                       style=wide, layout=layout, continuous_update=False),
        "optimism_bias": w.FloatSlider(value=scenario.optimism_bias, min=0, max=2, step=0.25,
                                       description="Optimism bias (x the graded uplift on costs)",
                                       readout_format=".2f", style=wide, layout=layout, continuous_update=False),
    }
    numbers, pictures = w.HTML(), w.Output()
    outcome_keys = ("engagement", "success", "deadweight", "attribution")
    busy = {"switching": False}

    def show_outcome(*_):
        busy["switching"] = True  # moving the sliders to another outcome's values is not an edit
        o = current[outcome.value]
        for k in outcome_keys:
            sliders[k].value = getattr(o, k)
        busy["switching"] = False
        return recompute()

    def recompute(*_):
        if busy["switching"]:
            return None
        name = outcome.value
        current[name] = dataclasses.replace(current[name], **{k: sliders[k].value for k in outcome_keys})
        s = dataclasses.replace(scenario, outcomes=[current[o.name] for o in scenario.outcomes],
                                discount_rate=sliders["discount_rate"].value,
                                optimism_bias=sliders["optimism_bias"].value)
        s = cba.carry_ranges(scenario, s)  # the uncertainty ranges follow the sliders
        a = cba.appraise(s)
        mc = cba.monte_carlo(s, draws=draws, seed=seed)
        numbers.value = (f"<b>NPV</b> {fmt.money(a.npv)} &nbsp; <b>BCR</b> {a.bcr:.2f} ({a.vfm}) &nbsp; "
                         f"<b>payback</b> {a.payback_label or 'not within horizon'} &nbsp; "
                         f"<b>P(benefits &gt; costs)</b> {fmt.share(mc.p_benefit_exceeds_cost, 0)}")
        if charts:
            with pictures:
                pictures.clear_output(wait=True)
                display(plots.payback_chart(cba.cash_flows(s), a, "your settings"))
                if s.uncertainty:  # a case with no ranges has no tornado
                    display(plots.tornado_chart(cba.tornado(s), "your settings", s.price_year))
                display(plots.npv_distribution_chart(mc, "your settings", s.price_year))
        return a, mc

    outcome.observe(show_outcome, names="value")
    for sl in sliders.values():
        sl.observe(recompute, names="value")
    recompute()
    box = w.VBox([outcome, *sliders.values(), numbers, pictures])
    box.recompute, box.sliders, box.outcome = recompute, sliders, outcome  # for tests and benchmarks
    return box
