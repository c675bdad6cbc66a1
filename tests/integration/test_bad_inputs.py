"""The bad-input corpus: each broken data or params file gives one line naming file, line and column
(or key), exit code 2, and no report written as if it had succeeded.

Every case runs the real command (``totalplace run``) on a throw-away copy of the project with one
file broken. Extra unknown columns in a data file are *allowed* (an analyst's export may carry notes
columns); they are ignored, and a missing column that looks renamed is named in the error.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest

from totalplace_lib import cli
from totalplace_lib.batch import runner

SPEND = "data/sample/spend.csv"
POP = "data/sample/population.csv"
IND = "data/sample/indicators.csv"
CROYDON = "params/croydon.yaml"


def rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def write_rows(path: Path, data: list[list[str]], **kw) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", **kw).writerows(data)
    path.write_text(buf.getvalue(), encoding="utf-8")


def set_cell(column: str, value: str, line: int = 2):
    """Mutation: put ``value`` in ``column`` on CSV ``line`` (the header is line 1)."""
    def mutate(path: Path) -> None:
        data = rows(path)
        data[line - 1][data[0].index(column)] = value
        write_rows(path, data)
    return mutate


def rename_column(old: str, new: str | None):
    def mutate(path: Path) -> None:
        data = rows(path)
        i = data[0].index(old)
        if new is None:
            data = [r[:i] + r[i + 1:] for r in data]
        else:
            data[0][i] = new
        write_rows(path, data)
    return mutate


def text(new: str | bytes):
    def mutate(path: Path) -> None:
        (path.write_bytes if isinstance(new, bytes) else path.write_text)(new)
    return mutate


def header_only(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n")


def semicolons(path: Path) -> None:
    write_rows(path, rows(path), delimiter=";")


def latin1_pound(path: Path) -> None:
    data = rows(path)
    data[3][data[0].index("service")] = "Caf\u00e9 and \u00a3 services"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(data)
    path.write_bytes(buf.getvalue().encode("latin-1", errors="replace"))


def duplicate_row(path: Path) -> None:
    data = rows(path)
    write_rows(path, [*data[:3], data[1], *data[3:]])


def drop_area_rows(code: str):
    def mutate(path: Path) -> None:
        data = rows(path)
        write_rows(path, [data[0]] + [r for r in data[1:] if r[0] != code])
    return mutate


def yaml_replace(old: str, new: str):
    def mutate(path: Path) -> None:
        t = path.read_text()
        assert old in t, old
        path.write_text(t.replace(old, new, 1))
    return mutate


def unreadable(path: Path) -> None:
    if os.geteuid() == 0:  # root reads anything: make the path unreadable as a file instead
        path.unlink()
        path.mkdir()
    else:
        path.chmod(0)


# (id, file, mutation, expected message regex, line, column)
CASES = [
    ("missing-column", SPEND, rename_column("amount_gbp", None), r"required column\(s\) missing: amount_gbp", 1,
     "amount_gbp"),
    ("renamed-column", SPEND, rename_column("amount_gbp", "amount_gpb"), r"missing: amount_gbp; found 'amount_gpb'",
     1, "amount_gbp"),
    ("wrong-type-year", SPEND, set_cell("year", "2009.5"), r"2009.5 is not a whole number", 2, "year"),
    ("text-in-money", SPEND, set_cell("amount_gbp", "lots"), r"'lots' is not a number", 2, "amount_gbp"),
    ("negative-money", SPEND, set_cell("amount_gbp", "-100", 6), r"-100 is negative", 6, "amount_gbp"),
    ("nan-money", SPEND, set_cell("amount_gbp", "NaN", 4), r"'NaN' is not a number \(not a finite amount\)", 4,
     "amount_gbp"),
    ("infinite-money", SPEND, set_cell("amount_gbp", "inf", 5), r"'inf' is not a finite number", 5, "amount_gbp"),
    ("blank-money", SPEND, set_cell("amount_gbp", "", 7), r"value is missing", 7, "amount_gbp"),
    ("suppressed-money", SPEND, set_cell("amount_gbp", "x", 3), r"'x' is not a number \(a suppression", 3,
     "amount_gbp"),
    ("suppressed-colon", IND, set_cell("numerator", ":", 9), r"':' is not a number \(a suppression", 9, "numerator"),
    ("thousands-separator", SPEND, set_cell("amount_gbp", "1,034,782", 2), r"remove the thousands separators", 2,
     "amount_gbp"),
    ("pound-sign", SPEND, set_cell("amount_gbp", "£1034782", 2), r"remove the '£' sign", 2, "amount_gbp"),
    ("date-for-year", SPEND, set_cell("year", "2009-04-01", 2), r"a date where a number is expected: give the "
     r"financial year start", 2, "year"),
    ("duplicate-key", SPEND, duplicate_row, r"duplicate key \(area_code=E08000025, .*\) also on line 2", 4, "service"),
    ("unknown-area-code", SPEND, set_cell("area_code", "E06000099", 2), r"area code 'E06000099' is not in the "
     r"areas table", 2, "area_code"),
    ("malformed-area-code", SPEND, set_cell("area_code", "6000032", 2), r"'6000032' is not a GSS area code", 2,
     "area_code"),
    ("bad-stage", SPEND, set_cell("stage", "urgent", 2), r"'urgent' is not one of preventive", 2, "stage"),
    ("bad-price-year", SPEND, set_cell("price_year", "2009-10", 2), r"'2009-10' is not a price year like '2009/10'",
     2, "price_year"),
    ("bad-bool", SPEND, set_cell("discretionary", "maybe", 2), r"'maybe' is not true/false", 2, "discretionary"),
    ("negative-count", POP, set_cell("persons", "-5", 3), r"-5 is negative; a count must be zero or more", 3,
     "persons"),
    ("empty-file", SPEND, text(""), r"file is empty; expected a header row", 1, None),
    ("header-only", SPEND, header_only, r"has a header but no data rows", 2, None),
    ("wrong-delimiter", SPEND, semicolons, r"separated by ';', not commas", 1, None),
    ("latin-1-bytes", SPEND, latin1_pound, r"is not UTF-8 text \(byte 0xe9", 4, None),
    ("missing-file", SPEND, lambda p: p.unlink(), r"file not found \(table 'spend'\)", None, None),
    ("unreadable-file", SPEND, unreadable, r"(permission denied|is a folder, not a CSV file)", None, None),
    ("area-with-no-rows", SPEND, drop_area_rows("E09000008"), r"area code\(s\) E09000008 have no spend rows", 5,
     "area_codes"),
    ("yaml-unquoted-code", CROYDON, yaml_replace('- "E09000008"', "- 0123"), r"code 83 is not a string: quote",
     5, "area_codes"),
    ("yaml-unknown-key", CROYDON, yaml_replace("year: 2009", "yeer: 2009"), r"unknown key \(did you mean 'year'",
     13, "yeer"),
    ("yaml-date-for-year", CROYDON, yaml_replace("year: 2009", "year: 2009-04-01"), r"expected int, got date", 13,
     "year"),
    ("yaml-list-not-mapping", CROYDON, text("- slug: croydon\n- name: Croydon\n"), r"expected a mapping of keys",
     None, None),
    ("yaml-syntax", CROYDON, yaml_replace('name: "Croydon"', 'name: "Croydon'), r"invalid YAML", 6, None),
    ("yaml-wrong-type", CROYDON, yaml_replace('name: "Croydon"', "name: [1, 2]"), r"expected str, got list", 4,
     "name"),
    ("yaml-code-not-in-data", CROYDON, yaml_replace('- "E09000008"', '- "E09000099"'), r"area code\(s\) E09000099 "
     r"are not in dataset 'sample'", 5, "area_codes"),
    ("yaml-year-not-in-data", CROYDON, yaml_replace("year: 2009", "year: 2015"), r"year 2015 not in dataset", 13,
     "year"),
    ("yaml-bad-scenario", CROYDON, yaml_replace("success: 0.5", "success: 1.5"), r"'success' = 1.5 is outside 0..1",
     15, "scenarios.early_years.outcomes[0].success"),
    ("yaml-unsafe-tag", CROYDON, yaml_replace('name: "Croydon"', "name: !!python/object/apply:os.system ['true']"),
     r"invalid YAML: could not determine a constructor", 4, None),
    ("yaml-slug-mismatch", CROYDON, yaml_replace('slug: "croydon"', 'slug: "croydon-2"'), r"slug 'croydon-2' must",
     3, "slug"),
]


SHOWN = {"area-with-no-rows": CROYDON}
"""Cases whose error rightly names another file (the params file listing an area with no rows)."""


@pytest.mark.parametrize(("case", "file", "mutate", "message", "line", "column"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_gives_one_line_and_exit_2(project_copy, capsys, case, file, mutate, message, line, column):
    mutate(project_copy / file)
    code = cli.main(["run", "--area", "croydon", "--theme", "place", "--no-progress", "--no-synthesis"])
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]
    assert code == 2
    assert len(err) == 1, err
    got = err[0]
    assert got.startswith(f"error: {SHOWN.get(case, file)}"), got
    assert re.search(message, got), got
    if line is not None:
        assert f", line {line}" in got, got
    if column is not None:
        assert f"column '{column}'" in got, got
    assert "\n" not in got and "Traceback" not in got
    assert not (project_copy / "reports" / "croydon" / "place.json").exists()
    assert not (project_copy / "reports" / "croydon" / ".place.hash").exists()


def test_corpus_is_large_enough():
    assert len({c[0] for c in CASES}) >= 30


def test_extra_columns_and_a_bom_are_accepted(project_copy):
    path = project_copy / SPEND
    data = rows(path)
    write_rows(path, [r + ["note"] for r in data])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    from totalplace_lib.data.datasets import load_table

    t = load_table("spend")
    assert "note" not in t.columns and len(t) == len(data) - 1


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "--theme", "nosuch"], r"unknown theme 'nosuch'; available: place, offenders"),
    (["run", "--area", "nowhere", "--theme", "place"], r"nowhere"),
    (["run", "--jobs", "0"], r"--jobs must be at least 1"),
    (["run", "--area", "croydon", "--theme", "place", "--dataset", "nosuch"], r"dataset 'nosuch' not found"),
])
def test_usage_errors_exit_2_with_one_line(project_copy, capsys, argv, message):
    assert cli.main([*argv, "--no-progress"] if argv[0] == "run" else argv) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and re.search(message, err[0]), err


def test_unknown_notebook_parameter_is_named():
    with pytest.raises(Exception, match=r"unknown parameter\(s\) yeer for notebook 'place'"):
        runner.check_parameters("place", {"area": "croydon", "yeer": 2009})


def test_one_bad_params_file_does_not_stop_the_other_areas(project_copy, capsys):
    yaml_replace('- "E09000008"', '- "E09000099"')(project_copy / CROYDON)
    code = cli.main(["run", "--area", "croydon,lewisham", "--theme", "place", "--no-progress", "--no-synthesis"])
    err = capsys.readouterr().err
    assert code == 2
    assert "params/croydon.yaml" in err
    assert (project_copy / "reports" / "lewisham" / "place.json").exists()
    assert not (project_copy / "reports" / "croydon" / "place.json").exists()
