"""Scenario templates: the default redesign case of each theme (``data/reference/scenarios/<theme>.yaml``),
its ``"from data: ..."`` placeholders filled with figures the theme computed for the place, or the case a
place's params file states instead."""

from __future__ import annotations

from totalplace_lib.core import paths, reference
from totalplace_lib.core.errors import ParamsError
from totalplace_lib.core.gaps import Missing, handles_gaps, passes_gaps
from totalplace_lib.core.periods import period_label
from totalplace_lib.methods.cba.scenario import Scenario, scenario_from_dict

FROM_DATA = "from data:"


@passes_gaps
def fill_from_data(d, values: dict, where: str = "scenario"):
    """Replace every ``"from data: <key>"`` string in a scenario template with ``values[key]``.

    Raises
    ------
    ParamsError
        If a template asks for a value the theme did not compute.
    """
    if isinstance(d, dict):
        return {k: fill_from_data(v, values, f"{where}.{k}") for k, v in d.items()}
    if isinstance(d, list):
        return [fill_from_data(v, values, f"{where}[{i}]") for i, v in enumerate(d)]
    if isinstance(d, str) and d.startswith(FROM_DATA):
        key = d[len(FROM_DATA):].strip()
        if key not in values:
            raise ParamsError(f"template asks for '{key}', which the notebook does not compute "
                              f"(available: {', '.join(sorted(values))})", column=where)
        return values[key]
    return d


@passes_gaps
def template_path(theme: str):
    """The default scenario template of a theme (``data/reference/scenarios/<theme>.yaml``)."""
    return reference.path(f"scenarios/{theme}.yaml")


@handles_gaps
def scenario_for(place, theme: str, values: dict, year: int | None = None) -> tuple[Scenario, str]:
    """The redesign scenario for a place and theme, and where it came from.

    The place's params file wins (``scenarios: <theme>:``); otherwise the theme's template,
    with ``"from data: ..."`` placeholders filled from ``values`` (figures the notebook computed at the
    report's prices). With ``year``, a template's case starts the year after the report's and is priced
    at its price year, so the figures filled in and the scenario agree. A template part whose figure
    the data cannot give (a :class:`~totalplace_lib.gaps.Missing` value) is left out of the case and a
    note says so; if nothing is left, the gap is returned.
    """
    import yaml

    d = place.scenarios.get(theme)
    origin = f"params/{place.slug}.yaml (scenarios: {theme})"
    notes: list[str] = []
    if d is None and isinstance(values, Missing):  # the theme could not size its default case at all
        return values, values
    if isinstance(values, Missing):  # a params file's own case needs none of the theme's figures
        values = {}
    if d is None:
        path = template_path(theme)
        d = yaml.safe_load(path.read_text(encoding="utf-8"))
        origin = f"{paths.relative(path)} (default; placeholders filled from the place's data)"
        if year is not None:
            d["price_year"], d["start_year"] = period_label(year), year + 1
        d, notes = _without_gaps(d, values)
        if d is None:
            return notes, notes
    known = {k: v for k, v in values.items() if not isinstance(v, Missing)}  # the gaps' parts are left out
    sc = scenario_from_dict(fill_from_data(d, known, theme), name=theme)
    sc.notes.extend(notes)
    return sc, origin


def _placeholders(x):
    """The keys of every ``"from data: <key>"`` string in a template part (the strings :func:`fill_from_data`
    replaces)."""
    if isinstance(x, dict):
        x = list(x.values())
    if isinstance(x, list):
        for v in x:
            yield from _placeholders(v)
    elif isinstance(x, str) and x.startswith(FROM_DATA):
        yield x[len(FROM_DATA):].strip()


def _without_gaps(d: dict, values: dict) -> tuple[dict | None, list]:
    """A template without the outcomes and cost lines whose ``from data`` figure is a gap, and notes saying so."""
    def gap_in(x):
        return next((values[k] for k in _placeholders(x) if isinstance(values.get(k), Missing)), None)

    out, notes = dict(d), []
    kept = []
    for o in d.get("outcomes", []):
        g = gap_in(o)
        if g is None:
            kept.append(o)
        else:
            notes.append(f"Outcome '{o.get('name')}' is left out of the case: {g.reason}")
    out["outcomes"] = kept
    for kind in ("costs", "capital", "in_kind", "receipts"):
        if kind in d:
            out[kind] = {a: v for a, v in d[kind].items() if gap_in(v) is None}
            notes += [f"The {kind.replace('_', ' ')} of {a} is left out with it." for a, v in d[kind].items()
                      if gap_in(v) is not None]
    if not kept:
        first = next((v for v in values.values() if isinstance(v, Missing)), None)
        return None, first or Missing("no outcome of the case can be sized from the data.")
    unc = out.get("uncertainty", {})
    names = {o.get("name") for o in kept}
    out["uncertainty"] = {k: v for k, v in unc.items() if "." not in k or k.split(".")[0] in names}
    return out, notes
