"""Pick a place from a list at the top of each notebook: names not slugs, the dataset's own places, the
batch's year, and a choice that the next Run All follows without touching the parameters cell."""

from __future__ import annotations

import pytest

from totalplace_lib.data import places as params
from totalplace_lib.data.datasets import default_year
from totalplace_lib.report import widgets


@pytest.fixture(autouse=True)
def fresh_session():
    widgets._CHOSEN.clear()
    yield
    widgets._CHOSEN.clear()


def test_sample_lists_the_pilots_by_name_and_starts_at_the_parameters():
    box = widgets.picker("croydon", "sample", 2009, "offenders", run_all=lambda status: None)
    labels = [name for name, _ in box.place.options]
    assert "Croydon" in labels and "Central Bedfordshire & Luton" in labels
    assert len(labels) == len(params.list_slugs())
    assert box.place.value == "croydon" and box.dataset.value == "sample" and box.year.value == 2009
    assert not any(name == slug for name, slug in box.place.options)  # names, not slugs


def test_show_this_place_records_the_choice_runs_all_and_the_next_run_follows_it(monkeypatch):
    ran = []
    box = widgets.picker("croydon", "sample", 2009, "early_years", run_all=lambda status: ran.append(status.value))
    box.place.value = "kent"
    box.go.click()
    assert len(ran) == 1 and "Kent" in ran[0]
    # Run All re-runs the parameters cell (defaults) and then the picker cell, which returns the choice
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    assert widgets.place_picker("central-bedfordshire-luton", "sample", 2009, "early_years") == \
        ("kent", "sample", 2009)
    assert shown and shown[0].place.value == "kent"


def test_nothing_picked_returns_the_parameters_unchanged(monkeypatch):
    monkeypatch.setattr("IPython.display.display", lambda *a: None)
    assert widgets.place_picker("lewisham", "sample", 2009, "alcohol") == ("lewisham", "sample", 2009)


def test_a_dataset_that_cannot_be_read_is_said_not_raised(monkeypatch):
    box = widgets.picker("croydon", "sample", 2009, "place", run_all=lambda status: None)
    monkeypatch.setattr(params, "place_choices", lambda ds: (_ for _ in ()).throw(FileNotFoundError("no areas")))
    box.dataset.options = ["sample", "nowhere"]
    box.dataset.value = "nowhere"
    assert "Cannot list places" in box.status.value and "no areas" in box.status.value
    box.go.click()  # nothing to run for
    assert "choice" not in widgets._CHOSEN


def test_public_data_lists_every_authority_by_name_at_the_themes_public_year(public_data):
    box = widgets.picker("central-bedfordshire-luton", "sample", 2009, "early_years", run_all=lambda status: None)
    assert "public" in box.dataset.options
    box.dataset.value = "public"
    choices = dict(box.place.options)
    assert choices["Luton"] == "E06000032" and len(choices) > 140 and "England" not in choices
    assert box.year.value == default_year("early_years", "public")
    box.place.value = "E06000032"
    box.go.click()
    assert widgets._CHOSEN["choice"] == ("E06000032", "public", default_year("early_years", "public"))
    box.dataset.value = "sample"  # back to the sample: the notebook's own year again
    assert box.year.value == 2009
