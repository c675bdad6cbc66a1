"""The first cell of every report notebook: its parameters checked, its place and dataset loaded.

A bad value gives one clear message naming the parameter (or the params file, line and key) instead of a
traceback deep in pandas; the batch runner makes the same checks before it starts a kernel.
"""

from __future__ import annotations

from totalplace_lib.core.catalogue import THEMES
from totalplace_lib.core.errors import ParamsError
from totalplace_lib.data.datasets import Dataset, load_dataset
from totalplace_lib.data.places import (
    DATASETS_HELP,
    Place,
    check_place_data,
    code_place,
    codes_for_names,
    is_code_place,
    is_current,
    load_place,
    on_boundaries,
    params_file,
)
from totalplace_lib.methods.cba.scenario import check_scenarios

REDESIGN_THEMES = tuple(t for t in THEMES if t != "place")
"""The themes with a redesign case (every theme but the place overview)."""


def check_run(place: Place, ds: Dataset, year: int) -> None:
    """Check a place against a dataset and year, and the cases its params file states.

    Raises
    ------
    ParamsError
        Naming the params file, line and key of what is wrong.
    """
    check_place_data(place, ds, year)
    check_scenarios(place, REDESIGN_THEMES)


def validate_run(area: str, dataset: str, year: int) -> tuple[Place, Dataset]:
    """Validate a notebook's parameters and return the place and its dataset.

    Parameters
    ----------
    area : str
        Slug of a params file, or GSS codes joined by ``+`` on public data.
    dataset : str
        Dataset name (``sample``, a processed public dataset, or ``<public>+<local>``).
    year : int
        Financial year start (2009 = 2009/10).

    Raises
    ------
    ParamsError
        Naming the parameter, or the params file, line and key.
    """
    if not isinstance(area, str) or not area:
        raise ParamsError(f"area must be a params slug (string), got {area!r}", column="area")
    if not isinstance(dataset, str):
        raise ParamsError(f"dataset must be a string ({DATASETS_HELP}), got {dataset!r}", column="dataset")
    if isinstance(year, bool) or not isinstance(year, int):
        raise ParamsError(f"year must be an integer like 2009, got {year!r}", column="year")
    ds = load_dataset(dataset)
    if not is_code_place(area) and not params_file(area).exists() and not ds.illustrative:  # a place by name
        area = codes_for_names(area, dataset)
    place = code_place(area, ds.areas, dataset, year) if is_code_place(area) else load_place(area)
    if not is_code_place(area) and not ds.illustrative:  # a params file naming current districts
        place = on_boundaries(place, ds.areas, dataset)
    if place.dataset != dataset and is_current(place.dataset):  # only current boundaries hold this place
        ds = load_dataset(place.dataset)
    check_run(place, ds, year)
    return place, ds
