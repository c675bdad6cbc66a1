"""Batch execution: every selected place x theme through papermill, rendered to HTML.

* Parameters are checked against the notebook's ``parameters`` cell before running
  (papermill itself only warns about unknown names).
* The kernel name is always passed, and kernels talk over IPC sockets rather than
  TCP ports, so parallel runs cannot race for the same port (papermill #511).
* Each worker keeps one kernel between its reports, cleared before each (:mod:`kernels`, :mod:`session`):
  only its first report pays the kernel start and library import.
* Each report is isolated: a failure keeps the executed notebook (with papermill's
  error cell), renders an HTML page showing the error, removes any stale JSON so the
  index cannot show old figures, and the batch carries on.
* Outputs are written under temporary names and renamed, so an interrupted batch never
  leaves a truncated notebook, HTML or JSON that a rerun would take as finished.
* A content hash of the inputs (notebook, params file, data files, library source) is
  stored beside each report; a rerun skips reports whose inputs did not change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from totalplace_lib import __version__
from totalplace_lib.batch.jobs import (
    BatchSummary,
    Job,
    Result,
    current,
    hash_files,
    hash_path,
    input_hash,
    is_up_to_date,
    library_files,
    reports_root,
)
from totalplace_lib.core import compat, paths  # noqa: F401  (compat first: it spares every batch start 3 s)
from totalplace_lib.core.catalogue import (
    THEMES,
    all_themes,
    available_themes,
    is_file_theme,
    notebook_key,
    notebook_path,
)
from totalplace_lib.core.errors import TotalPlaceInputError
from totalplace_lib.core.files import move_into_place
from totalplace_lib.core.periods import fy_label
from totalplace_lib.core.schema import ENGLAND_CODE
from totalplace_lib.data.places import Place, load_place
from totalplace_lib.report import render
from totalplace_lib.report.notebook import check_run

# papermill, nbformat and jupyter_client are imported only when a report runs (:mod:`kernels`), so a
# batch with nothing to do answers quickly.

logger = logging.getLogger(__name__)


def check_parameters(notebook: str | Path, parameters: dict) -> None:
    """Reject parameters the notebook (a theme name or a path) does not declare (papermill only warns).

    Raises
    ------
    TotalPlaceInputError
        Naming the unknown parameters and the declared ones.
    """
    import papermill as pm

    path = notebook_path(notebook) if isinstance(notebook, str) else Path(notebook)
    declared = pm.inspect_notebook(str(path))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise TotalPlaceInputError(
            f"unknown parameter(s) {', '.join(unknown)} for notebook '{path.stem}'; "
            f"it declares: {', '.join(declared)}", file=paths.relative(path))


def _execute(notebook: Path, params: dict, out_dir: Path, name: str, title: str, theme: str, dataset: str,
             timeout: int, needs_record: bool = True, report_timeout: int | None = None, warm: bool = False) -> str:
    """Run one notebook into ``out_dir/<name>.{ipynb,html,json}`` atomically; return the error ('' if none).

    Everything is written in a staging folder beside the outputs and renamed into place, so an
    interrupted run never leaves a truncated file that a rerun would take as finished. ``warm``: run in
    this worker's warm kernel (:func:`kernels.warm_kernel`), retired if the report fails; otherwise a new one.
    """
    import papermill as pm

    from totalplace_lib.batch import kernels

    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(f".{name}-*"):  # left by a killed run: never finished, never read
        shutil.rmtree(stale, ignore_errors=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=out_dir))
    tmp_nb = stage / f"{name}.ipynb"
    params = {**params, "output_dir": str(stage)}
    error = ""
    try:
        check_parameters(notebook, params)
        flag: dict = {}
        watchdog = threading.Timer(report_timeout, kernels.kill_report_kernel, (threading.get_ident(), flag)) \
            if report_timeout else None
        try:
            if watchdog:
                watchdog.start()
            engine = {"km": kernels.warm_kernel()} if warm else {}
            pm.execute_notebook(
                str(notebook), str(tmp_nb), parameters=params, kernel_name=kernels.KERNEL_NAME,
                kernel_manager_class=kernels.IPCKernelManager, progress_bar=False, execution_timeout=timeout,
                cwd=None, log_output=False, engine_name=kernels.ENGINE, **engine,
            )
        except pm.PapermillExecutionError as exc:
            error = f"{exc.ename}: {str(exc.evalue).splitlines()[0] if exc.evalue else ''}"
        except Exception as exc:  # kernel died, timeout, ...: still a per-report failure
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        finally:
            if watchdog:
                watchdog.cancel()
            kernels.LIVE.pop(threading.get_ident(), None)
        if flag.get("timed_out"):
            error = f"timed out: the report ran longer than {report_timeout} s (--report-timeout)"
        if warm and error:  # a kernel that failed a report may be in any state: the next report gets a new one
            kernels.retire_kernel()
        if tmp_nb.exists():
            try:
                render.render_report(tmp_nb, stage / f"{name}.html", title, theme, dataset)
            except Exception as exc:  # a report that cannot be rendered has failed, whatever it recorded
                first = str(exc).splitlines()[0] if str(exc) else ""
                error = error or f"rendering failed: {type(exc).__name__}: {first}"
        if not error and needs_record and not (stage / f"{name}.json").exists():
            error = "the notebook finished but recorded no key figures (record.write was not reached)"
        if error:  # a failed report publishes its notebook and HTML (to show the error), never its figures
            for figures in (f"{name}.json", f"{name}-cba.xlsx", f"{name}.xlsx"):
                (out_dir / figures).unlink(missing_ok=True)
                (stage / figures).unlink(missing_ok=True)
        for fname in (f"{name}.json", f"{name}-cba.xlsx", f"{name}.xlsx", f"{name}.ipynb", f"{name}.html"):
            if (stage / fname).exists():
                move_into_place(stage / fname, out_dir / fname)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    if not error and not ((out_dir / f"{name}.ipynb").exists() and (out_dir / f"{name}.html").exists()):
        error = "report files missing after run"
    return error


def run_job(job: Job, force: bool = False, timeout: int = 600, report_timeout: int | None = None,
            warm: bool = False) -> Result:
    """Execute one notebook with papermill and render it; never raises for a notebook failure.

    ``warm``: in this worker thread's warm kernel (the caller retires it, :func:`kernels.retire_all_kernels`).
    """
    import time

    t0 = time.perf_counter()
    digest = input_hash(job)
    if not force and is_up_to_date(job, digest):
        return Result(job, "skipped")
    hash_path(job).unlink(missing_ok=True)
    params = {"area": job.place.slug, "dataset": job.dataset, "year": job.run_year}
    if job.theme not in THEMES:  # a file-defined theme: the generic notebook, told which theme
        params["theme"] = job.theme
    error = _execute(notebook_path(notebook_key(job.theme)), params, job.out_dir, job.theme, job.place.name, job.theme,
                     job.dataset, timeout, report_timeout=report_timeout, warm=warm)
    if not error:
        hash_path(job).write_text(digest + "\n")
    return Result(job, "failed" if error else "ok", time.perf_counter() - t0, error)

SYNTHESIS = "synthesis"


def run_synthesis(force: bool = False, timeout: int = 600) -> tuple[str, str]:
    """Run the cross-pilot synthesis into ``reports/synthesis.html`` from every recorded JSON.

    Skipped when no record, notebook or library file changed since the last run.

    Returns
    -------
    (status, error)
        ``ok``, ``skipped``, ``failed`` or ``none`` (not enough records yet, with the reason), and the
        first error line.
    """
    from totalplace_lib.batch import synthesis

    reports = paths.reports_dir()
    records = sorted(reports.glob("*/*.json"))
    why_not = synthesis.ready(reports)
    if why_not:
        return "none", why_not
    h = hashlib.sha256(__version__.encode())
    hash_files([notebook_path(SYNTHESIS), *records, *library_files()], h)
    digest = h.hexdigest()
    hp = reports / f".{SYNTHESIS}.hash"
    if not force and hp.exists() and hp.read_text().strip() == digest and (reports / f"{SYNTHESIS}.html").exists():
        return "skipped", ""
    hp.unlink(missing_ok=True)
    datasets = {json.loads(p.read_text(encoding="utf-8")).get("dataset", "") for p in records}
    dataset = datasets.pop() if len(datasets) == 1 else "mixed datasets"
    error = _execute(notebook_path(SYNTHESIS), {"reports_dir": str(reports)}, reports, SYNTHESIS,
                     "All pilots", SYNTHESIS, dataset, timeout, needs_record=False)
    if not error:
        hp.write_text(digest + "\n")
    return ("failed" if error else "ok"), error


def plan(areas: list[str] | None, themes: list[str] | None, dataset: str | None, all_areas: bool = False,
         year: int | None = None, all_districts: bool = False) -> tuple[list[Job], list[str]]:
    """Build the job list; invalid params files become bad-input messages, not exceptions.

    On a public dataset an area may be GSS code(s) (``E06000032``, ``E06000056+E06000032``) or a name, and
    ``all_areas`` means every English upper-tier authority: of 2014 on ``public``, of today on its companion on
    current boundaries (``public-current``: unitaries, and counties as the union of their districts);
    ``all_districts`` every current district and unitary (on the current companion). Each theme runs in its
    public-data default year (:func:`themes.default_year`, found from the data) unless ``year`` is given.
    """
    from totalplace_lib.data.datasets import default_year
    from totalplace_lib.data.places import (
        code_place,
        codes_for_names,
        current_areas,
        current_of,
        is_code_place,
        is_current,
        list_slugs,
        on_boundaries,
        params_file,
    )

    public = dataset not in (None, "sample")
    if all_districts and public:
        dataset = current_of(dataset)
    wants_codes = all_areas or all_districts or any(is_code_place(a) or (public and not params_file(a).exists())
                                                    for a in areas or [])
    if wants_codes and not public:
        raise TotalPlaceInputError("--all-areas, --all-districts and areas given by GSS code need a public dataset "
                                   "(--dataset public, after 'totalplace ingest')")
    if wants_codes and not paths.data_dir(dataset).exists():
        from totalplace_lib.data.datasets import load_dataset

        load_dataset(dataset)  # raises: dataset not found, run ingest first
    area_table = None
    if wants_codes:
        from totalplace_lib.data.datasets import (
            load_table,  # pandas: only for places given by code (a no-change run never needs it)
        )

        area_table = load_table("areas", dataset)
    if all_areas and is_current(dataset):
        cur = current_areas(dataset)
        areas = [c for c in cur.index if cur.loc[c, "current"]
                 and cur.loc[c, "tier"] not in ("district", "combined authority")]
    elif all_areas or all_districts:
        areas = [c for c in area_table["area_code"] if c != ENGLAND_CODE]
    slugs = areas or list_slugs()
    themes = themes or available_themes()
    if "all" in themes:  # every theme there is: the notebooks', and on public data the files'
        themes = all_themes(dataset) if public else available_themes()
    for t in themes:
        if t in THEMES and notebook_path(t).exists():
            continue
        if not is_file_theme(t, dataset):
            raise TotalPlaceInputError(f"unknown theme '{t}'; available: {', '.join(all_themes(dataset))} "
                                       "('totalplace themes' lists them)")
        if not public:
            raise TotalPlaceInputError(f"theme '{t}' is defined by a file and selects lines of the public count: "
                                       "run it with --dataset public")
    jobs, bad = [], []
    for slug in slugs:
        try:
            if public and not is_code_place(slug) and not params_file(slug).exists():  # a place given by name
                slug = codes_for_names(slug, dataset)
            place = code_place(slug, area_table, dataset) if public and is_code_place(slug) else load_place(slug)
            on = dataset or place.dataset
            base = paths.data_dir(on.split("+", 1)[0]) / "areas.csv"
            if on != "sample" and not is_code_place(slug) and base.exists():  # a params file may name districts
                from totalplace_lib.data.datasets import load_table

                place = on_boundaries(place, load_table("areas", on.split("+", 1)[0]), on)
        except TotalPlaceInputError as exc:
            bad.append(str(exc))
            continue
        for t in themes:
            ds_name = place.dataset if is_current(place.dataset) else dataset or place.dataset
            y = year if year is not None else (default_year(t, ds_name) if ds_name != "sample" else None)
            jobs.append(Job(place, t, ds_name, y))
    return jobs, bad


def _run_remote(job: Job, force: bool, timeout: int, root: str, reports: str,
                report_timeout: int | None = None) -> Result:
    """Run one job on a Dask worker: point it at the same project and reports folder first."""
    os.environ["TOTALPLACE_ROOT"] = root
    os.environ["TOTALPLACE_REPORTS_DIR"] = reports
    return run_job(job, force, timeout, report_timeout)


def _completed(todo: list[Job], workers: int, force: bool, timeout: int, scheduler: str | None,
               report_timeout: int | None = None, warm: bool = True):
    """Yield (job, result or exception) as reports finish: local threads, or tasks on a Dask cluster."""
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_completed

        root, reports = str(paths.project_root()), str(paths.reports_dir())
        with Client(scheduler, timeout="30s") as client:
            futures = {client.submit(_run_remote, j, force, timeout, root, reports, report_timeout,
                                     key=f"totalplace-{j.label}-"
                                     f"{uuid.uuid4().hex[:8]}", pure=False): j for j in todo}
            for fut in dask_completed(list(futures)):
                try:
                    yield futures[fut], fut.result()
                except Exception as exc:
                    yield futures[fut], exc
        return
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(run_job, j, force, timeout, report_timeout, warm): j for j in todo}
            for fut in as_completed(futures):
                try:
                    yield futures[fut], fut.result()
                except Exception as exc:
                    yield futures[fut], exc
    finally:  # the batch is over (or interrupted): no kernel outlives it
        if "totalplace_lib.batch.kernels" in sys.modules:
            sys.modules["totalplace_lib.batch.kernels"].retire_all_kernels()


def run_batch(areas: list[str] | None = None, themes: list[str] | None = None, jobs: int | None = None,
              force: bool = False, dataset: str | None = None, timeout: int = 600,
              progress: bool = True, scheduler: str | None = None, synthesis: bool = True,
              report_timeout: int | None = None, all_areas: bool = False, year: int | None = None,
              fresh_kernels: bool = False, all_districts: bool = False) -> BatchSummary:
    """Run every selected place x theme in parallel, then the cross-pilot synthesis and the index.

    Parameters
    ----------
    jobs : int, optional
        Local worker threads (default: CPU count). Each worker keeps one kernel for all its reports, made
        fresh before each (:func:`kernels.warm_kernel`); ``fresh_kernels=True`` starts a new kernel for every
        report.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``): each report becomes a task
        on that cluster instead of a local thread. Workers need this project and its ``.venv``
        installed at the same path, and the reports folder on a shared filesystem.
    synthesis : bool
        Also run ``notebooks/synthesis.ipynb`` over every recorded figure.
    timeout, report_timeout : int
        Seconds a cell may run; seconds a whole report may run (its kernel is then killed and the
        report fails with "timed out"; None = no limit).

    Returns
    -------
    BatchSummary
        Per-report results, bad inputs, and the exit code to use.
    """
    from tqdm import tqdm

    todo, bad = plan(areas, themes, dataset, all_areas, year, all_districts)
    summary = BatchSummary(bad_inputs=bad)
    if not force:  # reports whose inputs did not change need neither their data checked nor a kernel
        fresh = [current(j) for j in todo]
        summary.results += [Result(j, "skipped") for j, c in zip(todo, fresh, strict=True) if c]
        todo = [j for j, c in zip(todo, fresh, strict=True) if not c]
    if todo:
        from totalplace_lib.data.datasets import load_dataset
    for ds_name in sorted({j.dataset for j in todo}):
        try:
            ds = load_dataset(ds_name)
        except TotalPlaceInputError as exc:  # shared data is broken: nothing can run on it
            summary.bad_inputs.append(str(exc))
            todo = [j for j in todo if j.dataset != ds_name]
            continue
        for key in {(j.place.slug, j.run_year) for j in todo if j.dataset == ds_name}:
            job = next(j for j in todo if (j.place.slug, j.run_year) == key and j.dataset == ds_name)
            try:
                check_run(job.place, ds, job.run_year)
            except TotalPlaceInputError as exc:  # this place cannot run; the others still do
                if all_areas or all_districts:  # not the user's mistake: the files do not cover it that year
                    summary.not_covered.append(f"{job.place.name} ({job.place.slug}), "
                                               f"{fy_label(job.run_year)}: {exc}")
                else:
                    summary.bad_inputs.append(str(exc))
                todo = [j for j in todo if (j.place.slug, j.run_year) != key]
    workers = max(1, jobs or os.cpu_count() or 1)
    todo.sort(key=lambda j: j.theme == "place")  # theme reports take longer: start them first (stable sort)
    tty = sys.stderr.isatty()
    # On a terminal: one live bar. Otherwise (CI, logs): one line per finished report.
    finished = 0
    bar = tqdm(total=len(todo), desc="reports", unit="report", disable=not (progress and tty),
               file=sys.stderr, dynamic_ncols=True)
    for job, res in _completed(todo, workers, force, timeout, scheduler, report_timeout, not fresh_kernels):
        if isinstance(res, Exception):  # a bug in rendering etc.: keep the batch going
            logger.error("report %s crashed: %s", job.label, res, exc_info=res)
            res = Result(job, "failed", 0.0, f"{type(res).__name__}: {res}")
        summary.results.append(res)
        finished += 1
        bar.set_postfix_str(f"{job.label} {res.status}")
        if progress and not tty:
            print(f"[{finished}/{len(todo)}] {res.status:>7}  {job.label}  {res.seconds:5.1f} s  {res.error}",
                  file=sys.stderr, flush=True)
        bar.update(1)
    bar.close()
    public = {j.dataset for j in todo} - {"sample"}
    if public:
        summary.synthesis = "not run (the synthesis compares the pilots on the sample data)"
    elif synthesis and notebook_path(SYNTHESIS).exists():
        status, error = run_synthesis(force=force, timeout=timeout)
        summary.synthesis = f"not run ({error})" if status == "none" else status
        if status == "failed":
            summary.results.append(Result(Job(Place(slug="all-pilots", name="All pilots", area_codes=()),
                                              SYNTHESIS, dataset or "sample"), "failed", 0.0, error))
    write_index()
    for ds_name in sorted(public):
        write_index(ds_name)
    return summary


def _regions(dataset: str, slugs: list[str]) -> dict[str, str]:
    """Report folder -> the region of its place's first authority (for the index), where the dataset says."""
    from totalplace_lib.data.places import current_areas

    cur = current_areas(dataset)
    if cur is None:
        return {}
    out = {}
    for slug in slugs:
        first = slug.split("-", 1)[0].upper()
        if first in cur.index and cur.loc[first, "region"]:
            out[slug] = str(cur.loc[first, "region"])
    return out


def write_index(dataset: str = "sample") -> Path:
    """Rebuild ``reports/index.html`` from every params file and theme on disk (``reports/<dataset>/index.html``
    for a public dataset: every place with a report there)."""
    from totalplace_lib.data.places import list_slugs, load_places

    if dataset != "sample":
        root = reports_root(dataset)
        root.mkdir(parents=True, exist_ok=True)
        areas = []
        for d in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            rec = next(d.glob("*.json"), None)
            name = json.loads(rec.read_text(encoding="utf-8")).get("place", d.name) if rec else d.name
            areas.append((d.name, name))
        themes = available_themes()
        themes += [t for t in all_themes(dataset) if t not in THEMES and any(root.glob(f"*/{t}.json"))]
        return render.write_index(root, render.collect(root, areas, themes), themes, False,
                                  regions=_regions(dataset, [a for a, _ in areas]))

    places = load_places()
    names = {p.slug: p.name for p in places}
    areas = [(s, names.get(s, s)) for s in list_slugs()]
    themes = available_themes()
    reports = paths.reports_dir()
    reports.mkdir(parents=True, exist_ok=True)
    infos = render.collect(reports, areas, themes)
    illustrative = all(p.dataset == "sample" for p in places)
    links = [(render.TITLES[SYNTHESIS], f"{SYNTHESIS}.html")] if (reports / f"{SYNTHESIS}.html").exists() else []
    return render.write_index(reports, infos, themes, illustrative, extra_links=links)
