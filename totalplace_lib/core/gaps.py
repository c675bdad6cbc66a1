"""Honest gaps: a figure or analysis the data cannot support, carried through like NaN.

Public data do not hold everything the themes analyse (recorded crime by authority, births,
person-level records...). Where an input is absent the library returns a :class:`Missing` with
the reason instead of raising or inventing a number. Every function decorated with
:func:`passes_gaps` returns that same ``Missing`` when any argument is one, so a report section built on an absent
input shows the reason in place of its chart or table, and ``record.figure`` records the
figure as missing with that reason. Arithmetic, indexing, attribute access and calls on a
``Missing`` give the ``Missing`` back; it is falsy and formats as "not available".
"""

from __future__ import annotations

import functools
import html
from typing import TYPE_CHECKING, Any

from totalplace_lib.core.periods import fy_label

if TYPE_CHECKING:  # pandas only in annotations: the index of a batch with nothing to do never loads it
    import pandas as pd

NOT_AVAILABLE = "not available"


class Missing:
    """An absent figure or analysis, with the plain-English reason it is absent."""

    __slots__ = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason[:1].upper() + reason[1:]  # read as a sentence wherever it is shown

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # keep IPython's and pickle's probes honest
            raise AttributeError(name)
        return self

    def __getitem__(self, key: Any) -> Missing:
        return self

    def __setitem__(self, key: Any, value: Any) -> None:  # assigning into a gap keeps the gap
        return None

    def __call__(self, *args: Any, **kwargs: Any) -> Missing:
        return self

    def _same(self, *args: Any) -> Missing:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _same
    __pow__ = __rpow__ = __neg__ = __pos__ = __abs__ = __round__ = _same
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _same  # type: ignore[assignment]
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return False

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0

    def __float__(self) -> float:
        return float("nan")

    def __format__(self, spec: str) -> str:
        return NOT_AVAILABLE

    def __str__(self) -> str:
        return NOT_AVAILABLE

    def __repr__(self) -> str:
        return f"Missing({self.reason!r})"

    def _repr_markdown_(self) -> str:
        return f"> **Not available for this place.** {self.reason}"

    def _repr_html_(self) -> str:
        return (f'<div class="tp-gap" style="border-left:4px solid #767676;padding:0.4em 0.8em;background:#f3f3f3">'
                f"<strong>Not available for this place.</strong> {html.escape(self.reason)}</div>")


class MissingCount(Missing):
    """A count the data cannot make (a place with no spend lines for a theme) that still knows its price
    year: the report's financial year, at whose prices the report states every cost. A report's costs of
    harm, unit costs and redesign case do not rest on the spend lines, so they stay figures."""

    __slots__ = ("price_year",)

    def __init__(self, reason: str, price_year: str):
        super().__init__(reason)
        self.price_year = price_year


def first_missing(*values: Any) -> Missing | None:
    """The first :class:`Missing` among ``values`` (also looks one level into lists, tuples and dicts)."""
    for v in values:
        if isinstance(v, Missing):
            return v
        if isinstance(v, (list, tuple)):
            inner = first_missing(*v)
            if inner is not None:
                return inner
        if isinstance(v, dict):
            inner = first_missing(*v.values())
            if inner is not None:
                return inner
    return None


def passes_gaps(fn=None, *, returns: int = 0):
    """Decorator: the function gives back a :class:`Missing` argument instead of being called.

    Put on every analysis, chart and table function whose inputs may be gaps, so a report section built
    on an absent input shows the reason in place of its result. ``returns=n`` marks a function returning
    a tuple of ``n`` items: it then gives ``n`` copies of the gap (and a gap it finds itself is spread
    the same way), so ``a, b = f(gap)`` still unpacks.

    Examples
    --------
    >>> @passes_gaps
    ... def per_head(total: float, people: float) -> float:
    ...     return total / people
    >>> per_head(Missing("no population."), 10)
    Missing('No population.')
    """
    if fn is None:
        return lambda f: passes_gaps(f, returns=returns)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gap = first_missing(*args, *kwargs.values())
        if gap is None:
            gap = fn(*args, **kwargs)
            if not (returns and isinstance(gap, Missing)):  # a tuple-returning function may find a gap itself
                return gap
        return (gap,) * returns if returns else gap

    wrapper.passes_gaps = True  # type: ignore[attr-defined]
    return wrapper


def handles_gaps(fn):
    """Marker: ``fn`` takes gaps among its arguments and deals with each itself (a key-figures record that
    names what is missing, a count that is partly known), so it is deliberately not :func:`passes_gaps`."""
    fn.handles_gaps = True
    return fn


def sentences(fn):
    """Wrap a findings function: drop sentences that contain a missing figure and end with one
    plain sentence listing what the data could not support and why."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> list[str]:
        out = [s for s in fn(*args, **kwargs) if NOT_AVAILABLE not in s]
        reasons = list(dict.fromkeys(g.reason for g in _all_missing(*args, *kwargs.values())))
        if reasons:
            out.append("**Not available with this data:** " + " ".join(reasons))
        return out

    wrapper.handles_gaps = True  # type: ignore[attr-defined]

    return wrapper


def _all_missing(*values: Any) -> list[Missing]:
    found = []
    for v in values:
        if isinstance(v, Missing):
            found.append(v)
        elif isinstance(v, (list, tuple)):
            found.extend(_all_missing(*v))
        else:  # a result object holding a gap (e.g. a count with no population)
            found.extend(x for x in getattr(v, "__dict__", {}).values() if isinstance(x, Missing))
    return found


def known_rows(table: pd.DataFrame, value: str | tuple[str, ...], label: str) -> pd.DataFrame | Missing:
    """``table`` without the rows where a ``value`` column is :class:`Missing`; a :class:`Missing` if none is left.

    The rows left out are listed in ``attrs["left_out"]`` as "<label>: <reason>" so that a chart or
    sentence built on the rest can say its total counts only the components the data support.
    """
    cols = (value,) if isinstance(value, str) else value
    found = table[list(cols)].map(lambda v: v if isinstance(v, Missing) else None)
    gap = found.notna().any(axis=1)
    if not gap.any():
        return table
    why = {i: next(g for g in found.loc[i] if g is not None).reason for i in found.index[gap]}
    if gap.all():
        return Missing(" ".join(dict.fromkeys(why.values())))
    out = table.loc[~gap].reset_index(drop=True)
    out[list(cols)] = out[list(cols)].astype(float)
    out.attrs["left_out"] = [f"{table.at[i, label]}: {reason}" for i, reason in why.items()]
    return out


def partial_note(table: pd.DataFrame) -> str:
    """" (counted components only; N left out for lack of data)" for a table :func:`known_rows` trimmed, else ""."""
    n = len(getattr(table, "attrs", {}).get("left_out", ()))
    return f" (counted components only; {n} left out for lack of data)" if n else ""


def missing_population(codes: tuple[str, ...], year: int, ages: tuple[int, int] | None, dataset: str) -> Missing:
    """The gap for a population the dataset does not hold."""
    what = "all ages" if ages is None else f"ages {ages[0]}-{ages[1]}"
    return Missing(f"dataset '{dataset}' has no population of {what} for {', '.join(codes)} in {fy_label(year)} "
                   f"(data/processed/{dataset}/manifest.json lists the years and ages its population files give), "
                   "so figures per head cannot be worked out.")
