"""Ingest's last stage, *write*: the tidy tables (validated as every dataset is) and the manifest, staged in a
fresh folder and swapped into place whole, so a failed or killed ingest never leaves a half-written dataset."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from totalplace_lib.core import paths
from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.ingest import vintage
from totalplace_lib.ingest.codes import KEYS


def _areas(v: vintage.Vintage) -> pd.DataFrame:
    """The 2014 upper-tier authorities of England, plus England."""
    from totalplace_lib.data.places import load_places

    pilots = {c for p in load_places() for c in p.area_codes}
    rows = [{"area_code": c, "area_name": v.names[c], "slug": _slug(v.names[c]), "region": v.regions.get(c, ""),
             "pilot": c in pilots} for c in sorted(v.upper_tier)]
    rows.append({"area_code": ENGLAND_CODE, "area_name": "England", "slug": "england", "region": "England",
                 "pilot": False})
    return pd.DataFrame(rows)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def write(out: Path, tables: dict[str, list[dict]], v: vintage.Vintage, manifest: dict,
          areas: pd.DataFrame | None = None) -> None:
    """Write the tidy tables and the manifest into a fresh folder and swap it into place.

    The dataset is replaced as a whole, so a failed or killed ingest never leaves a half-written one. ``areas``:
    the dataset's authorities (default: the 2014 upper tier of ``v``, and England).
    """
    from totalplace_lib.core.schema import TABLES, validate

    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    paths.publish_mode(stage)
    written, superseded = {}, {}
    try:
        frames = {"areas": _areas(v) if areas is None else areas}
        for table, rows in tables.items():
            if table.startswith("_"):  # working rows (districts' values kept for estimates), not a table
                continue
            df = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
            df = df.drop(columns=[c for c in df.columns if c.startswith("_") and c != "_file"])
            if table in ("spend", "activity"):
                df["basis"] = df["basis"].fillna("reported") if "basis" in df else "reported"
            if table == "spend":
                df["spend_type"] = df["spend_type"].fillna("current") if "spend_type" in df else "current"
            if table in KEYS and len(df):
                dup = df.duplicated(list(KEYS[table]), keep="first")
                superseded[table] = int(dup.sum())
                df = df[~dup]
            frames[table] = df.drop(columns=["_file"], errors="ignore")
        for table, df in frames.items():
            if table in TABLES:
                cols = [c.name for c in TABLES[table].columns if c.name in df.columns]
                cols += [c for c in df.columns if c not in cols]
                df = df[cols]
            df.to_csv(stage / f"{table}.csv", index=False)
            if table in TABLES:  # the same validation every dataset gets
                validate(pd.read_csv(stage / f"{table}.csv", dtype=str, keep_default_na=False), table,
                         f"{out.name}/{table}.csv")
            written[table] = len(df)
        manifest["tables"] = {t: {"rows": n, "superseded_duplicates": superseded.get(t, 0)}
                              for t, n in written.items()}
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=1, default=str) + "\n", encoding="utf-8")
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            stage.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            stage.rename(out)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
