"""ipywidgets explorers for analysts in JupyterLab.

They wrap the same functions the report cells call, so what an analyst sees while
exploring is what the batch report would show for the same choices. Reports never
depend on widget state: these cells are tagged ``skip-execution`` and ``nbval-skip``.
"""

from __future__ import annotations

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
