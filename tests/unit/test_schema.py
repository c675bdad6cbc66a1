"""Schema validation: good tables load; each kind of bad input names file, line and column."""

from __future__ import annotations

import pandas as pd
import pytest

from totalplace_lib.core.errors import DataValidationError
from totalplace_lib.core.schema import validate
from totalplace_lib.data.datasets import load_dataset, read_csv_strict

SPEND_HEADER = "area_code,year,theme,agency,service,stage,amount_gbp,price_year,source\n"
GOOD = "E06000032,2009,general,Police,Response,reactive,1000,2009/10,test\n"


def write(tmp_path, body: str, header: str = SPEND_HEADER):
    p = tmp_path / "spend.csv"
    p.write_text(header + body)
    return p


def test_committed_sample_loads_and_is_typed():
    ds = load_dataset("sample")
    assert ds.illustrative
    assert ds.spend["amount_gbp"].dtype.kind in "if"
    assert ds.population["age"].dtype.kind == "i"
    assert ds.areas["area_code"].map(type).eq(str).all()
    assert set(ds.spend["stage"]) <= {"preventive", "early intervention", "reactive", "acute"}


def test_good_row_parses_and_optional_column_defaults(tmp_path):
    df = read_csv_strict(write(tmp_path, GOOD), "spend", {"E06000032"})
    assert df.loc[0, "amount_gbp"] == 1000.0
    assert df.loc[0, "discretionary"] == False  # noqa: E712 - optional column defaulted


@pytest.mark.parametrize(
    "body, line, column, words",
    [
        (GOOD + "E06000032,2009,general,Police,Custody,reactive,-5,2009/10,test\n", 3, "amount_gbp", "negative"),
        (GOOD + "E06000032,2009,general,Police,Custody,reactive,lots,2009/10,test\n", 3, "amount_gbp", "not a number"),
        (GOOD + "E06000032,2009,general,Police,Custody,reactive,inf,2009/10,test\n", 3, "amount_gbp", "finite"),
        (GOOD + "E06000032,2009,general,Police,Custody,reactive,,2009/10,test\n", 3, "amount_gbp", "missing"),
        (GOOD + GOOD, 3, "service", "duplicate key"),
        (GOOD + "E99999999,2009,general,Police,Custody,reactive,5,2009/10,test\n", 3, "area_code", "not in the areas"),
        (GOOD + "6000032,2009,general,Police,Custody,reactive,5,2009/10,test\n", 3, "area_code", "GSS"),
        (GOOD + "E06000032,2009,general,Police,Custody,urgent,5,2009/10,test\n", 3, "stage", "not one of"),
        (GOOD + "E06000032,2009,general,Police,Custody,acute,5,2009,test\n", 3, "price_year", "price year"),
        (GOOD + "E06000032,2009.5,general,Police,Custody,acute,5,2009/10,test\n", 3, "year", "whole number"),
    ],
)
def test_bad_cell_is_named_by_file_line_and_column(tmp_path, body, line, column, words):
    with pytest.raises(DataValidationError) as err:
        read_csv_strict(write(tmp_path, body), "spend", {"E06000032"})
    e = err.value
    assert (e.line, e.column) == (line, column)
    assert words in str(e)
    assert "spend.csv" in str(e) and "\n" not in str(e)


def test_missing_required_column_is_named(tmp_path):
    header = "area_code,year,theme,agency,service,stage,price_year,source\n"
    with pytest.raises(DataValidationError, match="amount_gbp") as err:
        read_csv_strict(write(tmp_path, "E06000032,2009,general,Police,R,reactive,2009/10,x\n", header), "spend")
    assert err.value.line == 1


def test_codes_stay_strings_with_leading_zeros():
    raw = pd.DataFrame({"cost_id": ["0123"], "description": ["d"], "agency": ["a"], "unit": ["u"],
                        "cost_gbp": ["1"], "price_year": ["2013/14"], "source": ["s"], "confidence": ["2"]})
    df = validate(raw, "unit_costs")
    assert df.loc[0, "cost_id"] == "0123"


def test_confidence_grade_must_be_1_to_5():
    raw = pd.DataFrame({"cost_id": ["X"], "description": ["d"], "agency": ["a"], "unit": ["u"],
                        "cost_gbp": ["1"], "price_year": ["2013/14"], "source": ["s"], "confidence": ["7"]})
    with pytest.raises(DataValidationError, match="grade"):
        validate(raw, "unit_costs", file="u.csv")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(DataValidationError, match="file not found"):
        read_csv_strict(tmp_path / "nope.csv", "spend")


def test_the_table_cache_shares_repeated_strings_without_changing_a_value():
    import pickle

    import pandas as pd

    from totalplace_lib.data.datasets import _shared_strings

    text = ["".join(["HM Treasury CRA 2018, ", "London"]) for _ in range(5000)]  # equal but distinct objects
    df = pd.DataFrame({"source": pd.Series([*text, None], dtype=object), "amount_gbp": [1.5] * 5001})
    shared = _shared_strings(df)
    assert shared.equals(df) and shared["source"].iloc[-1] is None
    assert len(pickle.dumps(shared)) < len(pickle.dumps(df)) / 3  # each string once, then references
