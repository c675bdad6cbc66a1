"""Shared fixtures: an isolated copy of the project for tests that write or break files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def reports_tmp(tmp_path, monkeypatch):
    """Send reports to a temporary folder (the real reports/ is untouched)."""
    out = tmp_path / "reports"
    monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(out))
    return out


@pytest.fixture
def project_copy(tmp_path, monkeypatch):
    """A throw-away copy of the project's inputs (params, data, notebooks) used as TOTALPLACE_ROOT."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    for folder in ("params", "data/sample", "data/reference", "notebooks"):
        shutil.copytree(ROOT / folder, root / folder)
    monkeypatch.setenv("TOTALPLACE_ROOT", str(root))
    monkeypatch.setenv("TOTALPLACE_REPORTS_DIR", str(root / "reports"))
    from totalplace_lib.data import datasets as data

    data._cached.cache_clear()
    yield root
    data._cached.cache_clear()


@pytest.fixture(scope="session")
def public_data() -> Path:
    """The processed public dataset (``data/processed/public``), ingested from ``../shared`` if not yet done;
    skips, saying why, where the real data is not beside the clone."""
    from totalplace_lib.core import paths

    real = paths.real_data_dir()
    if not (real / "geography" / "ltla14_lookup.csv").exists():
        pytest.skip(f"real public data not present at {real}")
    folder = paths.data_dir("public")
    if not (folder / "manifest.json").exists():
        from totalplace_lib.ingest import run_ingest

        run_ingest(real)
    if not (paths.data_dir("public-current") / "manifest.json").exists():  # ingested before it was written
        from totalplace_lib.ingest import current_count, vintage

        current_count.write_dataset(folder, vintage.load(real))
    return folder
