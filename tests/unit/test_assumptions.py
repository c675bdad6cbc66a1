"""Stated assumptions: every theme's money has a price year and a source, and is read uprated."""

from __future__ import annotations

import pytest

from totalplace_lib.core import paths
from totalplace_lib.core.errors import DataValidationError
from totalplace_lib.methods import assumptions
from totalplace_lib.methods.costs import uprate


@pytest.mark.parametrize("theme", ["offenders", "early_years", "alcohol"])
def test_every_assumption_is_complete_and_money_has_a_price_year(theme):
    stated = assumptions.assumptions(theme)
    assert stated
    for a in stated.values():
        assert a.source and a.what and 1 <= a.grade <= 5
        assert a.is_money == ("£" in a.unit)
        if a.is_money:
            assert assumptions.value(theme, a.key, "2024/25") == pytest.approx(
                uprate(float(a.value), a.price_year, "2024/25"))
            with pytest.raises(ValueError, match="say the price year"):
                assumptions.value(theme, a.key)
    t = assumptions.table(theme, "2024/25")
    assert len(t) == len(stated) and t["source"].all()


def test_money_without_a_price_year_is_refused_naming_the_file_and_key(tmp_path, monkeypatch):
    (tmp_path / "assumptions").mkdir()
    (tmp_path / "assumptions" / "broken.yaml").write_text(
        "cost:\n  value: 10\n  unit: '£ a year'\n  what: x\n  source: y\n  grade: 3\n", encoding="utf-8")
    monkeypatch.setattr(paths, "reference_dir", lambda: tmp_path)
    assumptions.assumptions.cache_clear()
    try:
        with pytest.raises(DataValidationError, match="price_year") as err:
            assumptions.assumptions("broken")
        assert "broken.yaml" in str(err.value) and "cost" in str(err.value)
    finally:
        assumptions.assumptions.cache_clear()
