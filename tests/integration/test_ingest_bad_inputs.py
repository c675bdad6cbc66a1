"""Bad publishers' files: each gives one clear line naming file (and sheet and row where there is one), and
the other files are still ingested. Real files are linked into throw-away raw folders, read in place."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from totalplace_lib.cli import main
from totalplace_lib.core import paths
from totalplace_lib.ingest import run_ingest
from totalplace_lib.ingest.revenue_outturn import read_rs_workbook
from totalplace_lib.ingest.workbook import open_workbook

REAL = paths.real_data_dir()
pytestmark = pytest.mark.skipif(not (REAL / "geography" / "ltla14_lookup.csv").exists(),
                                reason=f"real public data not present at {REAL}")
RS = REAL / "spending" / "revenue_outturn_summary"


def _link(raw: Path, *relative: str) -> None:
    for rel in relative:
        src = REAL / rel
        dst = raw / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            dst.mkdir(exist_ok=True)
            for f in src.iterdir():
                (dst / f.name).symlink_to(f)
        else:
            dst.symlink_to(src)


def test_a_folder_with_only_some_families_ingests_what_it_has_and_names_what_is_missing(tmp_path):
    """Spending (one CRA edition, one Revenue Outturn year), population and geography only: no DfE files, no NHS
    files. The count is built for the years it can be, and the manifest names each family not found."""
    raw = tmp_path / "raw"
    _link(raw, "geography", "spending/hmt_cra2025_database_2020_21_to_2024_25.xlsx",
          "spending/revenue_outturn_summary/mhclg_revenue_summary_2023_24.xlsx", "population")
    m = run_ingest(raw, tmp_path / "out")
    assert m["count"]["cra_years"][-1] == "2024/25" and m["count"]["revenue_outturn"]["years"] == ["2023/24"]
    missing = m["families_missing"]
    assert {"NHS England ICB allocations", "NHS England GP practice weighted populations", "DfE Section 52"} <= \
        set(missing)
    assert "HM Treasury Country and Regional Analysis" not in missing
    assert "by head" in m["count"]["need_weighting"]  # no practice file: NHS lines shared per head, said so


def test_a_truncated_workbook_is_named_in_one_line_and_the_rest_is_ingested(tmp_path, capsys):
    raw = tmp_path / "raw"
    _link(raw, "geography", "population", "spending/hmt_cra2025_database_2020_21_to_2024_25.xlsx")
    whole = (RS / "mhclg_revenue_summary_2022_23.xlsx").read_bytes()
    bad = raw / "spending" / "revenue_outturn_summary" / "mhclg_revenue_summary_2022_23.xlsx"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(whole[: len(whole) // 2])  # a download cut off half way
    _link(raw, "spending/revenue_outturn_summary/mhclg_revenue_summary_2023_24.xlsx")
    assert main(["ingest", "--raw", str(raw), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "2022_23" in x)
    assert "could not be read" in line and "truncated" in line
    m = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert m["count"]["revenue_outturn"]["years"] == ["2023/24"]  # the good workbook still read


def test_a_header_row_moved_down_still_reads_and_too_far_down_is_named(tmp_path):
    """Five rows inserted above the header: read as before. Sixty: one line naming the file and its sheets."""
    src = RS / "mhclg_revenue_summary_2023_24.xlsx"
    before = read_rs_workbook(open_workbook(src))
    wb = openpyxl.load_workbook(src)
    ws = wb["RS_LA_Data_2023-24"]
    ws.insert_rows(1, amount=5)
    moved = tmp_path / "rs_moved.xlsx"
    wb.save(moved)
    after = read_rs_workbook(open_workbook(moved))
    total = sum(r["amount_gbp"] or 0 for r in before.rows["body_outturn"])
    assert sum(r["amount_gbp"] or 0 for r in after.rows["body_outturn"]) == total
    assert "header on row 18" in after.note  # 13 + 5
    ws.insert_rows(1, amount=60)
    far = tmp_path / "rs_far.xlsx"
    wb.save(far)
    from totalplace_lib.ingest.readers import FormatError

    with pytest.raises(FormatError, match=r"rs_far.xlsx: no sheet with an 'E-code' header row in its first 40 rows"):
        read_rs_workbook(open_workbook(far))


def test_a_cra_edition_with_an_unknown_region_is_refused_and_the_next_latest_edition_gives_its_years(tmp_path,
                                                                                                     capsys):
    raw = tmp_path / "raw"
    _link(raw, "geography", "population", "spending/hmt_cra2024_database_2019_20_to_2023_24.xlsx")
    wb = openpyxl.load_workbook(REAL / "spending" / "hmt_cra2025_database_2020_21_to_2024_25.xlsx")
    ws = wb["CRA 2025 database"]
    col = next(c.column for c in ws[1] if c.value == "ITL Region")
    ws.cell(7, col).value = "ENGLAND_Atlantis"
    wb.save(raw / "spending" / "cra_2025_edited.xlsx")
    assert main(["ingest", "--raw", str(raw), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if "cra_2025_edited" in x)
    assert "sheet 'CRA 2025 database', row 7: region 'ENGLAND_Atlantis'" in line
    m = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert m["count"]["cra_years"][-1] == "2023/24"  # the 2024 edition's years, none of the refused edition's
    shutil.rmtree(tmp_path / "out")
