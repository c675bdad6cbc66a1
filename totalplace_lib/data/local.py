"""An analyst's own records layered on the public data: the template to fill, and a synthetic example.

``totalplace template --area <codes> --out data/<local>`` writes one header-only CSV per table an
analyst can supply (:data:`data.LOCAL_TABLES`) and a README saying what each column means, with an
example row. Filled in from the council's own systems, the folder is used with
``--dataset public+<local>``; precedence and validation are in :func:`data._layered`.
``--example`` fills the folder with a small *synthetic* overlay instead (:mod:`totalplace_lib.sample.overlay`).
"""

from __future__ import annotations

import csv
from pathlib import Path

from totalplace_lib.core.errors import TotalPlaceInputError
from totalplace_lib.core.schema import TABLES

KIND_WORDS = {
    "code": "GSS area code of a 2014 upper-tier authority (e.g. E06000032)", "str": "text", "int": "whole number",
    "count": "whole number, 0 or more", "float": "number", "money": "pounds (not thousands), 0 or more",
    "bool": "true or false", "price_year": "financial year of the prices, YYYY/YY", "grade": "1 (best) to 5",
}
EXAMPLES = {
    "population": {"year": "2020", "age": "0", "persons": "3244", "source": "council's own estimate"},
    "spend": {"year": "2017", "theme": "offenders", "agency": "Council", "service": "Youth offending team",
              "stage": "early intervention", "amount_gbp": "1250000", "price_year": "2017/18",
              "source": "council ledger, cost centre 4410"},
    "activity": {"year": "2017", "theme": "offenders", "measure": "recorded offences: domestic burglary",
                 "value": "812", "unit": "offences", "source": "police force records"},
    "events": {"theme": "offenders", "person_id": "IOM-0001", "event": "arrests", "agency": "Police", "count": "4"},
    "indicators": {"indicator": "Proven reoffending rate", "period": "2017/18", "value": "0.27", "unit": "proportion",
                   "lower_ci": "", "upper_ci": "", "source": "probation service"},
}
"""One example row per table (with the place's first code); the README shows them."""


def write_template(codes: list[str], out: Path) -> list[Path]:
    """Header-only CSVs of the tables an analyst may supply, and a README; returns the files written.

    Raises
    ------
    TotalPlaceInputError
        If ``out`` exists and holds any of the CSVs (nothing is overwritten).
    """
    from totalplace_lib.data.datasets import LOCAL_TABLES

    out = Path(out)
    clash = [t for t in LOCAL_TABLES if (out / f"{t}.csv").exists()]
    if clash:
        raise TotalPlaceInputError(f"{out} already holds {', '.join(f'{t}.csv' for t in clash)}; "
                                   "choose another folder (nothing was overwritten)", file=str(out))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for t in LOCAL_TABLES:
        cols = [c.name for c in TABLES[t].columns if c.required or c.name in EXAMPLES[t] or c.name == "area_code"]
        path = out / f"{t}.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerow(cols)
        written.append(path)
    readme = out / "README.md"
    readme.write_text(_readme(codes, out), encoding="utf-8")
    return [*written, readme]


def _readme(codes: list[str], out: Path) -> str:
    from totalplace_lib.data.datasets import LOCAL_TABLES

    name = out.name
    lines = [f"# Your own records for {', '.join(codes)}", "",
             f"Fill these tables from your own systems and run `totalplace run --dataset public+{name} --area "
             f"{'+'.join(codes)}`. Leave a table with only its header, or delete it, if you have nothing for it.",
             "", "**How your rows combine with the public data.** A row of yours replaces the public row with the "
             "same key (the key columns below); a count of yours in `activity` also replaces the public "
             "*estimated* counts of the same authority, year, theme and measure family (the words before ':'), so "
             "your recorded offences by type replace the estimate from crime rates instead of adding to them. "
             "Every row of yours is marked `local` in the reports. Files must be UTF-8 CSV; an error names the "
             "file, line and column.", ""]
    for t in LOCAL_TABLES:
        table = TABLES[t]
        lines += [f"## {t}.csv", "", table.description, "", f"Key: {', '.join(table.key)}.", "",
                  "| column | required | what it holds |", "|---|---|---|"]
        for c in table.columns:
            if not (c.required or c.name in EXAMPLES[t] or c.name == "area_code"):
                continue
            allowed = f" One of: {', '.join(c.allowed)}." if c.allowed else ""
            lines.append(f"| {c.name} | {'yes' if c.required else 'no'} | {KIND_WORDS.get(c.kind, c.kind)}.{allowed} |")
        example = {"area_code": codes[0], **EXAMPLES[t]}
        cols = [c.name for c in table.columns if c.name in example]
        lines += ["", "Example row:", "", "```", ",".join(cols), ",".join(example[c] for c in cols), "```", ""]
    return "\n".join(lines)
