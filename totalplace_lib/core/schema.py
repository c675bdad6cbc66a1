"""The tidy tables: one schema definition used by the sample and the public datasets alike.

Each table is a list of :class:`Column` plus its key. Money is always in pounds
(``amount_gbp``, ``cost_gbp``), never thousands; ingest converts.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from totalplace_lib.core.errors import DataValidationError

if TYPE_CHECKING:  # pandas is imported where tables are validated: params and the batch need only the names
    import pandas as pd

STAGES: tuple[str, ...] = ("preventive", "early intervention", "reactive", "acute")
"""Spend stages, from before any need arises to crisis response (see README, 'Stages')."""
UNIVERSAL = "universal"
"""Stage of spend not aimed at a need before or after crisis: services and transfers for everyone or by
entitlement (schools, pensions, roads, general government). Left out of the preventive share."""
BASES: tuple[str, ...] = ("reported", "apportioned", "estimated", "local", "illustrative")
"""What a figure rests on: a body's own accounts for the place; a regional or force-area total shared
out by a named driver; a documented method on published aggregates; the analyst's own records; the
synthetic sample."""

LEVELS: tuple[str, ...] = ("council", "local body", "carried forward", "region")
"""Where a count line's figure comes from (public data): the place's own councils' accounts; a local body
serving the place (police force, fire authority, ICB, GLA...) shared within its own area by a named driver;
a body's latest accounts carried forward; a regional total shared by a driver."""

GSS_CODE = re.compile(r"^[EWSNK]\d{8}$")
PRICE_YEAR = re.compile(r"^\d{4}/\d{2}$")
ENGLAND_CODE = "E92000001"


@dataclass(frozen=True)
class Column:
    """One column of a tidy table.

    ``kind`` is one of ``code`` (GSS area code, string), ``str``, ``int``, ``count``
    (non-negative integer), ``float``, ``money`` (pounds, finite, non-negative),
    ``bool``, ``price_year`` (``YYYY/YY``) or ``grade`` (integer 1-5).
    """

    name: str
    kind: str
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    default: object = None
    signed_when: tuple[str, tuple[str, ...]] | None = None
    """For ``money``: negative amounts are allowed on rows whose column ``signed_when[0]`` is one of
    ``signed_when[1]`` (an apportioned line can carry a published net receipt)."""


@dataclass(frozen=True)
class Table:
    """A tidy table: its columns and the columns that must be unique together."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    area_column: str | None = "area_code"
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "areas",
            (
                Column("area_code", "code"),
                Column("area_name", "str"),
                Column("slug", "str"),
                Column("region", "str"),
                Column("pilot", "bool"),
            ),
            key=("area_code",),
            area_column=None,
            description="Local authorities (and England) the dataset covers.",
        ),
        Table(
            "population",
            (
                Column("area_code", "code"),
                Column("year", "int"),
                Column("age", "count"),
                Column("persons", "count"),
                Column("source", "str"),
                Column("age_to", "count", required=False, nullable=True),
            ),
            key=("area_code", "year", "age"),
            description="Resident population by single year of age (90 = 90 and over); where a publisher "
                        "gives only a band, ``age_to`` is its last age (mid-2009 ages 0-17: age 0, age_to 17).",
        ),
        Table(
            "spend",
            (
                Column("area_code", "code"),
                Column("year", "int"),
                Column("theme", "str"),
                Column("agency", "str"),
                Column("service", "str"),
                Column("stage", "str", allowed=(*STAGES, UNIVERSAL)),
                Column("amount_gbp", "money", signed_when=("basis", ("apportioned",))),
                Column("price_year", "price_year"),
                Column("source", "str"),
                Column("discretionary", "bool", required=False, default=False),
                Column("basis", "str", required=False, nullable=True, allowed=BASES),
                Column("spend_type", "str", required=False, default="current", allowed=("current", "capital")),
                Column("driver", "str", required=False, nullable=True),
                Column("function", "str", required=False, nullable=True),
                Column("level", "str", required=False, nullable=True, allowed=LEVELS),
            ),
            key=("area_code", "year", "theme", "agency", "service", "spend_type"),
            description="Public spend in the place, pounds, by agency, service and stage; ``basis`` says what "
                        "each line rests on (blank: the dataset's own, illustrative for the sample), ``driver`` "
                        "how an apportioned line was shared out, ``spend_type`` current or capital, ``level`` whose "
                        "accounts the figure comes from (public data).",
        ),
        Table(
            "activity",
            (
                Column("area_code", "code"),
                Column("year", "int"),
                Column("theme", "str"),
                Column("measure", "str"),
                Column("value", "float"),
                Column("unit", "str"),
                Column("source", "str"),
                Column("basis", "str", required=False, nullable=True, allowed=BASES),
            ),
            key=("area_code", "year", "theme", "measure"),
            description="Counts of activity behind unit costs (admissions, offences, placements...); ``basis`` says "
                        "what each count rests on (an ``estimated`` count names its method in ``source``).",
        ),
        Table(
            "events",
            (
                Column("area_code", "code"),
                Column("theme", "str"),
                Column("person_id", "str"),
                Column("event", "str"),
                Column("agency", "str"),
                Column("count", "count"),
            ),
            key=("area_code", "theme", "person_id", "event", "agency"),
            description="Person-level records for concentration and journeys (synthetic in the sample).",
        ),
        Table(
            "indicators",
            (
                Column("area_code", "code"),
                Column("indicator", "str"),
                Column("period", "str"),
                Column("value", "float"),
                Column("unit", "str"),
                Column("lower_ci", "float", nullable=True),
                Column("upper_ci", "float", nullable=True),
                Column("source", "str"),
                Column("numerator", "float", required=False, nullable=True),
                Column("denominator", "float", required=False, nullable=True),
            ),
            key=("area_code", "indicator", "period"),
            description="Outcome indicators for benchmarking, with confidence intervals.",
        ),
        Table(
            "district_indicators",
            (
                Column("area_code", "code"),
                Column("indicator", "str"),
                Column("period", "str"),
                Column("value", "float"),
                Column("unit", "str"),
                Column("source", "str"),
                Column("weight", "float"),
                Column("weight_year", "int"),
                Column("covers", "str"),
            ),
            key=("area_code", "indicator", "period"),
            description="Rates published only for districts, on their own codes, with the residents that weight "
                        "them and the 2014 upper-tier authorities they lie in (ingest only).",
        ),
        Table(
            "district_population",
            (
                Column("area_code", "code"),
                Column("year", "int"),
                Column("age", "count"),
                Column("age_to", "count", nullable=True),
                Column("persons", "count"),
                Column("source", "str"),
                Column("covers", "str"),
            ),
            key=("area_code", "year", "age", "age_to"),
            description="Residents of authorities the 2014 geography cannot hold whole, on their own codes, with "
                        "the 2014 upper-tier authorities they lie in (ingest only).",
        ),
        Table(
            "unit_costs",
            (
                Column("cost_id", "str"),
                Column("description", "str"),
                Column("agency", "str"),
                Column("unit", "str"),
                Column("cost_gbp", "money"),
                Column("price_year", "price_year"),
                Column("source", "str"),
                Column("confidence", "grade"),
            ),
            key=("cost_id",),
            area_column=None,
            description="Unit costs with the agency that bears them, price year, source and confidence grade.",
        ),
    )
}


def _fail(msg: str, file: str, idx: int | None, col: str | None) -> DataValidationError:
    # CSV line numbers: header is line 1, first data row line 2.
    line = None if idx is None else int(idx) + 2
    return DataValidationError(msg, file=file, line=line, column=col)


SUPPRESSION_CODES = {"x", "c", "z", ":", "..", "-", "low", "*", "u", "n/a", "na", "[x]", "[c]", "[z]"}
"""Markers publishers use for suppressed or unavailable values (ONS, DfE, OHID)."""


def _number_hint(text: str, col: Column) -> str:
    """Why a cell is not a number, in words a spreadsheet user can act on."""
    t = text.strip()
    if t.lower() in SUPPRESSION_CODES:
        return (" (a suppression or 'not available' code: remove the row or give a value; "
                "suppressed numbers cannot be summed)")
    if "£" in t:
        return " (remove the '£' sign: amounts are plain numbers in pounds)"
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", t):
        return " (remove the thousands separators)"
    if re.fullmatch(r"\d{4}[-/]\d{1,2}([-/]\d{1,2})?|\d{1,2}/\d{1,2}/\d{2,4}", t):
        return " (a date where a number is expected" + (": give the financial year start, e.g. 2009)"
                                                         if col.name == "year" else ")")
    if t.lower() in ("nan", "inf", "-inf", "infinity"):
        return " (not a finite amount)"
    return ""


def _parse_column(series: pd.Series, col: Column, file: str) -> pd.Series:
    """Parse a column of strings into its declared kind, failing on the first bad cell."""
    blank = series.isna() | (series.astype(str).str.strip() == "")
    if blank.any() and not col.nullable:
        i = blank[blank].index[0]
        raise _fail("value is missing", file, i, col.name)
    s = series.where(~blank, None)
    kind = col.kind
    if kind in ("str", "code", "price_year"):
        out = s.astype("object")
        if kind == "code":  # each distinct value checked once (a table repeats a few hundred codes)
            bad = out.notna() & out.isin([v for v in out.dropna().unique() if not GSS_CODE.match(str(v))])
            if bad.any():
                i = bad[bad].index[0]
                raise _fail(
                    f"'{out[i]}' is not a GSS area code (like 'E06000032'); codes are strings, quote them",
                    file, i, col.name,
                )
        if kind == "price_year":
            bad = out.notna() & out.isin([v for v in out.dropna().unique() if not PRICE_YEAR.match(str(v))])
            if bad.any():
                i = bad[bad].index[0]
                raise _fail(f"'{out[i]}' is not a price year like '2009/10'", file, i, col.name)
        if col.allowed is not None:
            bad = out.notna() & ~out.isin(col.allowed)
            if bad.any():
                i = bad[bad].index[0]
                raise _fail(f"'{out[i]}' is not one of {', '.join(col.allowed)}", file, i, col.name)
        return out
    if kind == "bool":
        mapping = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}
        low = s.astype(str).str.strip().str.lower()
        bad = s.notna() & ~low.isin(mapping)
        if bad.any():
            i = bad[bad].index[0]
            raise _fail(f"'{s[i]}' is not true/false", file, i, col.name)
        return low.map(mapping).astype(bool)
    # numeric kinds
    import numpy as np
    import pandas as pd

    num = pd.to_numeric(s, errors="coerce")
    bad = s.notna() & num.isna()
    if bad.any():
        i = bad[bad].index[0]
        raise _fail(f"'{s[i]}' is not a number{_number_hint(str(s[i]), col)}", file, i, col.name)
    finite = num.isna() | pd.Series(np.isfinite(num.to_numpy(dtype=float, na_value=np.nan)), index=num.index)
    if not finite.all():
        i = finite[~finite].index[0]
        raise _fail(f"'{s[i]}' is not a finite number", file, i, col.name)
    if kind in ("money", "count", "grade") and not col.signed_when:
        neg = num < 0
        if neg.any():
            i = neg[neg].index[0]
            what = "money" if kind == "money" else "a count"
            raise _fail(f"{num[i]:g} is negative; {what} must be zero or more", file, i, col.name)
    if kind in ("int", "count", "grade"):
        frac = num.notna() & (num != num.round())
        if frac.any():
            i = frac[frac].index[0]
            raise _fail(f"{num[i]:g} is not a whole number", file, i, col.name)
        if kind == "grade":
            out_of = num.notna() & ~num.between(1, 5)
            if out_of.any():
                i = out_of[out_of].index[0]
                raise _fail(f"{num[i]:g} is not a confidence grade 1-5", file, i, col.name)
        return num.astype("Int64") if col.nullable else num.astype("int64")
    return num.astype("float64")


def validate(
    raw: pd.DataFrame,
    table: str,
    file: str = "<data>",
    known_area_codes: set[str] | None = None,
) -> pd.DataFrame:
    """Validate a table read as strings and return it with typed columns.

    Parameters
    ----------
    raw : DataFrame
        The table as read from CSV with every cell a string (``dtype=str``), row
        order as in the file.
    table : str
        Name of a tidy table in :data:`TABLES`.
    file : str
        File name used in error messages.
    known_area_codes : set of str, optional
        If given, every ``area_code`` must be one of these.

    Returns
    -------
    DataFrame
        Typed table, columns in schema order; optional missing columns filled with defaults.

    Raises
    ------
    DataValidationError
        Naming file, line and column of the first violation found.
    """
    import pandas as pd

    spec = TABLES[table]
    raw = raw.reset_index(drop=True)
    missing = [c.name for c in spec.columns if c.required and c.name not in raw.columns]
    if missing:
        extra = [c for c in raw.columns if c not in spec.column_names]
        close = difflib.get_close_matches(missing[0], [str(c) for c in extra], n=1, cutoff=0.6)
        hint = f"; found '{close[0]}': renamed?" if close else ""
        raise DataValidationError(
            f"required column(s) missing: {', '.join(missing)}{hint} (table '{table}' needs "
            f"{', '.join(spec.column_names)})",
            file=file, line=1, column=missing[0],
        )
    out = {}
    for col in spec.columns:
        if col.name not in raw.columns:
            out[col.name] = pd.Series([col.default] * len(raw), dtype=object if col.default is None else None)
            continue
        out[col.name] = _parse_column(raw[col.name], col, file)
    df = pd.DataFrame(out, index=raw.index)
    for col in spec.columns:
        if col.kind == "money" and col.signed_when:
            other, allowed = col.signed_when
            neg = (df[col.name] < 0) & ~df[other].isin(allowed)
            if neg.any():
                i = neg[neg].index[0]
                raise _fail(f"{df.loc[i, col.name]:g} is negative; money must be zero or more", file, i, col.name)
    dup = df.duplicated(subset=list(spec.key), keep="first")
    if dup.any():
        i = dup[dup].index[0]
        first = df[(df[list(spec.key)] == df.loc[i, list(spec.key)]).all(axis=1)].index[0]
        key = ", ".join(f"{k}={df.loc[i, k]}" for k in spec.key)
        shown = [k for k in spec.key if k in raw.columns] or list(spec.key)  # a column the file has
        raise _fail(f"duplicate key ({key}) also on line {first + 2}", file, i, shown[-1])
    if known_area_codes is not None and spec.area_column:
        unknown = ~df[spec.area_column].isin(known_area_codes)
        if unknown.any():
            i = unknown[unknown].index[0]
            raise _fail(
                f"area code '{df.loc[i, spec.area_column]}' is not in the areas table",
                file, i, spec.area_column,
            )
    return df
