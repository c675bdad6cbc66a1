"""The sample generator is deterministic and the committed files are what it makes."""

from __future__ import annotations

from pathlib import Path

from totalplace_lib.sample import generator as sample

ROOT = Path(__file__).resolve().parents[2]


def test_generator_is_byte_identical_to_committed_sample(tmp_path):
    written = sample.write_sample(tmp_path)
    assert written, "generator wrote nothing"
    for path in written:
        committed = ROOT / "data" / "sample" / path.name
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} differs: run `make sample-data`"


def test_generator_is_deterministic_and_seed_matters(tmp_path):
    a = sample.write_sample(tmp_path / "a")
    b = sample.write_sample(tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    c = sample.write_sample(tmp_path / "c", seed=1)
    spend = {p.name: p.read_bytes() for p in c}["spend.csv"]
    assert spend != (tmp_path / "a" / "spend.csv").read_bytes()


def test_every_pilot_authority_has_population_and_spend():
    t = sample.build_tables()
    codes = {la.code for la in sample.LAS}
    assert set(t["population"]["area_code"]) == codes
    assert set(t["spend"]["area_code"]) == codes
    assert len({la.pilot for la in sample.LAS}) == 13
    assert t["spend"]["source"].str.contains("Illustrative").all()
