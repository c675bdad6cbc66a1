"""A batch's jobs (one report of one place and theme), their outcomes, and whether a report is up to date: a
content hash of everything it depends on (notebook, params file, data and reference files, library source)
is stored beside it, and a rerun skips reports whose inputs did not change."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from totalplace_lib import __version__
from totalplace_lib.core import paths
from totalplace_lib.core.catalogue import notebook_for, theme_files
from totalplace_lib.data.places import Place


@dataclass
class Job:
    """One report to produce."""

    place: Place
    theme: str
    dataset: str
    year: int | None = None  # None: the params file's year

    @property
    def out_dir(self) -> Path:
        return reports_root(self.dataset) / self.place.slug

    @property
    def run_year(self) -> int:
        return self.year if self.year is not None else self.place.year

    @property
    def label(self) -> str:
        return f"{self.place.slug}/{self.theme}"


@dataclass
class Result:
    """Outcome of one job."""

    job: Job
    status: str  # "ok", "failed", "skipped"
    seconds: float = 0.0
    error: str = ""


@dataclass
class BatchSummary:
    """Outcome of a batch."""

    results: list[Result] = field(default_factory=list)
    bad_inputs: list[str] = field(default_factory=list)
    not_covered: list[str] = field(default_factory=list)  # --all-areas: places the data cannot cover in a year
    synthesis: str = "not run"

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def exit_code(self) -> int:
        """2 for bad input, 1 if any report failed, else 0."""
        if self.bad_inputs:
            return 2
        return 1 if self.failed else 0


def reports_root(dataset: str) -> Path:
    """Folder of a dataset's reports: ``reports/`` for the sample, ``reports/<dataset>/`` for public data."""
    return paths.reports_dir() if dataset == "sample" else paths.reports_dir() / dataset


def hash_files(files: list[Path], h) -> None:
    root = paths.project_root()  # once: it resolves paths, and a batch hashes thousands of files
    for f in sorted(files):
        h.update(str(f.relative_to(root) if f.is_relative_to(root) else f).encode())
        try:
            st = f.stat()
        except FileNotFoundError:
            h.update(b"<missing>")
            continue
        h.update(_file_digest(str(f), st.st_mtime_ns, st.st_size))


@lru_cache(maxsize=4096)
def _file_digest(path: str, mtime_ns: int, size: int) -> bytes:
    """SHA-256 of a file's bytes, computed once per batch for each version of the file (its modification
    time and size are part of the key, so a changed file is read again)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.digest()


def library_files() -> list[Path]:
    """The package's source files, every layer's (part of every report's and the synthesis's input hash)."""
    return sorted(Path(__file__).parents[1].rglob("*.py"))


def input_hash(job: Job) -> str:
    """Content hash of everything a report depends on."""
    h = hashlib.sha256(__version__.encode())
    lib = library_files()
    ds_files = load_dataset_files(job.dataset)
    ref = sorted(p for p in paths.reference_dir().rglob("*") if p.suffix in (".csv", ".yaml"))
    h.update(f"{job.place.area_codes}|{job.run_year}".encode())
    theme_file = [f] if (f := theme_files(job.dataset).get(job.theme)) else []
    hash_files([notebook_for(job.theme), *theme_file, paths.params_dir() / f"{job.place.slug}.yaml", *ds_files, *ref,
                *lib], h)
    return h.hexdigest()


def load_dataset_files(dataset: str) -> list[Path]:
    """CSV files of a dataset (what a report reads), with a layered dataset's local tables."""
    local = paths.local_dir(dataset)
    return (sorted(paths.data_dir(dataset).glob("*.csv")) + sorted(paths.data_dir(dataset).glob("manifest.json"))
            + (sorted(local.glob("*.csv")) if local is not None else []))


def hash_path(job: Job) -> Path:
    return job.out_dir / f".{job.theme}.hash"


def current(job: Job) -> bool:
    """True if the job's report is up to date; False (so it runs, and its inputs are checked and named in
    any error) when an input cannot even be read."""
    try:
        return is_up_to_date(job, input_hash(job))
    except OSError:
        return False


def is_up_to_date(job: Job, digest: str) -> bool:
    """True if the report exists, succeeded, and was built from the same inputs."""
    hp = hash_path(job)
    needed = [job.out_dir / f"{job.theme}.{ext}" for ext in ("ipynb", "html", "json")]
    return hp.exists() and hp.read_text().strip() == digest and all(p.exists() for p in needed)
