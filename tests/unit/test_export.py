"""Every table of a report can leave it: a CSV link in the HTML and one workbook sheet per table."""

from __future__ import annotations

import base64
import io
import re

import pandas as pd

from totalplace_lib.core.gaps import Missing
from totalplace_lib.report import export, tables


def _two_tables():
    tables.SHOWN.clear()
    a = tables.styled(pd.DataFrame({"agency": ["Police", "Council"], "amount_gbp": [1_500_000.0, 250_000.0],
                                    "share": [0.857, 0.143]}), money=("amount_gbp",), share=("share",),
                      rename={"agency": "Agency", "amount_gbp": "Spend", "share": "Share"})
    b = tables.styled(pd.DataFrame({"measure": ["Crimes", "Deaths"], "alcohol": [4921, Missing("no deaths.")]}),
                      rename={"measure": "Measure", "alcohol": "Alcohol"})
    return a, b


def test_each_table_links_its_own_data_as_csv_with_the_headings_shown():
    a, b = _two_tables()
    href = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', a._repr_html_()).group(1)
    back = pd.read_csv(io.StringIO(base64.b64decode(href).decode("utf-8")))
    assert list(back.columns) == ["Agency", "Spend", "Share"] and back["Spend"].tolist() == [1_500_000.0, 250_000.0]
    assert 'download="table-2.csv"' in b._repr_html_() and "not available" in b.csv()  # a gap stays a gap


def test_the_workbook_has_a_sheet_per_table_with_money_and_shares_as_numbers(tmp_path):
    from openpyxl import load_workbook

    _two_tables()
    w = export.write_tables(tmp_path / "offenders.xlsx", "Luton", "offenders")
    wb = load_workbook(w.path)
    assert wb.sheetnames == ["Contents", "1 Agency, Spend, Share", "2 Measure, Alcohol"]
    assert wb["Contents"]["A1"].value.startswith("Luton: Offenders")
    ws = wb["1 Agency, Spend, Share"]
    assert ws["B2"].value == 1_500_000 and "£" in ws["B2"].number_format and ws["C2"].number_format == "0.0%"
    assert wb["2 Measure, Alcohol"]["B3"].value == "not available"


def test_sheet_names_are_unique_short_and_legal():
    used: set[str] = set()
    names = [export.sheet_name(1, ["A very long heading: with [brackets] / and more words"], used) for _ in range(3)]
    assert len(set(names)) == 3 and all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
