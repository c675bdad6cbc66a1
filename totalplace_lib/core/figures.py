"""One recorded figure: a value with its unit, period, source, plain-English label and basis (or why it is
missing). Methods and themes build their key figures with :func:`figure`; :mod:`totalplace_lib.report.record`
writes them beside the report."""

from __future__ import annotations

import math
import numbers
from typing import Any


def figure(value: float | int | None, unit: str, period: str, source: str, label: str = "",
           missing: str = "", basis: str | None = None) -> dict[str, Any]:
    """One recorded figure.

    Parameters
    ----------
    value : float or int
        The number (pounds for ``unit='GBP'``; 0-1 for ``unit='proportion'``).
    unit : str
        ``GBP``, ``GBP per head``, ``persons``, ``proportion``, ``ratio``, ...
    period : str
        The period the figure describes, e.g. ``2009/10``.
    source : str
        Where the inputs came from (dataset, price year, unit-cost source).
    label : str
        Plain-English name for the index page.
    missing : str
        With ``value=None``: why the figure cannot be computed (recorded instead of a number).
    basis : str, optional
        What the figure rests on (:data:`totalplace_lib.basis.STRENGTH`; the weakest of its inputs).
    """
    from totalplace_lib.core.gaps import Missing, first_missing

    gap = first_missing(value, period, source)
    if isinstance(value, Missing) or (gap is not None and value is not None):
        value, missing = None, gap.reason
    period, source = str(period) if not isinstance(period, Missing) else "", str(source) if not isinstance(
        source, Missing) else ""
    if value is None:
        if not missing:
            raise ValueError("a missing figure needs the reason it is missing")
        return {"value": None, "unit": unit, "period": period, "source": source, "label": label,
                "missing_reason": missing}
    v = float(value)
    if math.isinf(v):  # a ratio over nothing (a benefit-cost ratio with no net cost): not a number to record
        return {"value": None, "unit": unit, "period": period, "source": source, "label": label,
                "missing_reason": "not a finite number: the denominator is zero (e.g. no net cost)"}
    if not math.isfinite(v):
        raise ValueError(f"figure value must be finite, got {value!r}")
    if isinstance(value, numbers.Integral) or (v.is_integer() and unit == "persons"):
        v = int(v)
    out = {"value": v, "unit": unit, "period": period, "source": source, "label": label}
    if basis:
        out["basis"] = basis
    return out


