"""The ``totalplace`` command: run reports, rebuild the index, regenerate the sample data.

Exit codes: 0 all good; 1 some report failed (the others were still produced);
2 bad input or usage (bad params or data file, unknown area or theme).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys

from totalplace_lib.core.errors import TotalPlaceInputError
from totalplace_lib.core.periods import fy_label

EXAMPLES = """
examples:
  totalplace run                                  every place x every theme
  totalplace run --area croydon --theme place     one report
  totalplace run --theme place --jobs 2 --force   rerun even if inputs are unchanged
  totalplace run --scheduler tcp://host:8786      run the reports on a Dask cluster
  totalplace ingest --raw ../shared/data/real     read the publishers' files into data/processed/public
  totalplace run --dataset public --area E06000032 --theme early_years
                                                  a real authority, by GSS code (2014 or current)
  totalplace run --dataset public --area E06000056+E06000032   two authorities as one place
  totalplace run --dataset public --area "North Yorkshire"     a place by name (or a county, combined authority...)
  totalplace run --dataset public --all-areas     every English upper-tier authority x every theme
  totalplace run --dataset public --area Cumberland --theme place
                                                  a place only current boundaries hold: read from
                                                  public-current (the count shared down to districts)
  totalplace run --dataset public --area Burnley+Pendle+Rossendale --theme place
                                                  districts as one place, by name
  totalplace run --dataset public-current --all-areas --theme place
                                                  every current upper-tier authority (counties as the sum
                                                  of their districts)
  totalplace run --dataset public --all-districts --theme place
                                                  every current district and unitary
  totalplace sample-data                          regenerate data/sample (deterministic)
  totalplace template --area E06000032 --out data/luton-local
                                                  tables for your own records, then
  totalplace run --dataset public+luton-local --area E06000032
                                                  the public data with your records layered on top
  totalplace list                                 places and themes known to the project
  totalplace themes --check                       every theme, and each theme file checked against the data
  totalplace run --dataset public --area durham --theme housing
                                                  a theme defined in a file (params/themes/housing.yaml)
  totalplace years --dataset public               the years a dataset covers and each report's default year
"""


class _DefaultsFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show '(default: ...)' only where there is a meaningful default."""

    def _get_help_string(self, action):
        if action.default in (None, False) or "default:" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


RUN_EPILOG = """exit codes: 0 every report produced (with --all-areas, authorities the public files do not
cover in a year, such as the councils made in April 2009 before the count begins in 2009/10, are listed as
'not covered by the data' and skipped); 1 some report failed (others still produced; see
reports/index.html and the failed report's HTML or .ipynb); 2 bad input or usage (one line names the
file, line and column); 130 interrupted (finished reports kept, unfinished ones left no files)"""


INGEST_EPILOG = """Each file is read by the reader for its publication family (recognised by its contents: CSV
headers, workbook sheets and columns; so renamed files and other editions read too). Area codes are mapped to
2014 upper-tier authorities. Every row read is used or rejected with a reason: see manifest.json in the output
folder. A file that cannot be read is named in one line with the reason (file, sheet and row where there is
one) and the others are still ingested; families the count needs but the folder lacks are listed.
exit codes: 0 done (rows may still be rejected: see the summary); 2 bad input (folder or lookups missing)"""


def _split(values: list[str] | None) -> list[str] | None:
    """Repeated and comma-separated values, one list; a comma followed by a space stays (it is part of a name:
    ``Bournemouth, Christchurch and Poole``, ``Herefordshire, County of``)."""
    if not values:
        return None
    return [v.strip() for item in values for v in re.split(r",(?!\s)", item) if v.strip()]


def build_parser() -> argparse.ArgumentParser:
    from totalplace_lib.core.catalogue import THEMES

    p = argparse.ArgumentParser(
        prog="totalplace", description="Total Place workbooks: run parameterised notebooks into reviewer reports.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="execute notebooks for places and themes, render HTML and the index",
                       formatter_class=_DefaultsFormatter, epilog=RUN_EPILOG)
    r.add_argument("--area", action="append", metavar="SLUG",
                   help="place slug (file stem in params/), or with --dataset public a GSS code or codes joined "
                        "by '+' (one place), current (2023) or 2014, or names ('Burnley+Pendle', 'Lancashire', "
                        "'Greater Manchester'); a place the 2014 geography cannot hold whole runs on "
                        "public-current; repeat or comma-separate; default: every params file")
    r.add_argument("--all-areas", action="store_true",
                   help="with --dataset public: every English upper-tier authority of 2014; with --dataset "
                        "public-current: every current one (counties as the union of their districts)")
    r.add_argument("--all-districts", action="store_true",
                   help="with a public dataset: every current district and unitary (2023), read from its "
                        "companion on current boundaries (public-current)")
    r.add_argument("--year", type=int, default=None,
                   help="financial year start to report (2009 = 2009/10); default: the params file's year, or "
                        "on public data the latest year the data support, found from the dataset (the place "
                        "overview: the count's latest year; each theme: the latest its own inputs also cover; "
                        "'totalplace years' lists them)")
    r.add_argument("--theme", action="append", metavar="THEME",
                   help=f"theme ({', '.join(THEMES)}, or a theme defined in a file: 'totalplace themes' lists "
                        "them; 'all' for every one); repeat or comma-separate; default: every notebook theme")
    r.add_argument("--dataset", default=None,
                   help="override each params file's dataset: sample, public (made by 'totalplace ingest'), or "
                        "public+<local> (your own records in data/<local>/ on top; see 'totalplace template')")
    r.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel workers")
    r.add_argument("--force", action="store_true", help="rerun reports even if their inputs are unchanged")
    r.add_argument("--timeout", type=int, default=600, help="seconds one notebook cell may run")
    r.add_argument("--report-timeout", type=int, default=1800,
                   help="seconds one whole report may run before its kernel is stopped and it fails")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run each report as a task on a Dask distributed cluster (e.g. tcp://10.0.0.5:8786) "
                        "instead of local threads; see README 'Scaling out'")
    r.add_argument("--no-synthesis", action="store_true", help="skip the cross-pilot synthesis")
    r.add_argument("--fresh-kernels", action="store_true",
                   help="start a new kernel for every report (slower). By default each worker keeps one kernel "
                        "and clears it between reports, so the library is imported and the data loaded once")

    sub.add_parser("index", help="rebuild reports/index.html from what is on disk")
    i = sub.add_parser("ingest", help="read real public files into data/processed/public (with a manifest)",
                       formatter_class=_DefaultsFormatter, epilog=INGEST_EPILOG)
    i.add_argument("--raw", required=True, metavar="DIR",
                   help="folder of publishers' files, searched recursively (e.g. ../shared/data/real or data/raw)")
    i.add_argument("--out", default=None, metavar="DIR", help="dataset folder to write instead of "
                   "data/processed/public")
    s = sub.add_parser("sample-data", help="regenerate the illustrative sample in data/sample (seeded)")
    s.add_argument("--out", default=None, help="write to this folder instead of data/sample")
    t = sub.add_parser("template", help="write the tables for your own records (layered with --dataset public+<name>)",
                       formatter_class=_DefaultsFormatter,
                       epilog="Fill the CSVs from your own systems, then: totalplace run --dataset public+<name of "
                              "the folder under data/> --area <codes>. The README in the folder says what each "
                              "column means and how your rows combine with the public data.")
    t.add_argument("--area", required=True, metavar="CODES",
                   help="the place's GSS codes joined by '+' (e.g. E06000032)")
    t.add_argument("--out", required=True, metavar="DIR", help="folder to create, e.g. data/luton-local")
    t.add_argument("--example", action="store_true",
                   help="fill it with a small SYNTHETIC overlay (person-level records and harm counts) to try the "
                        "layer, instead of empty tables")
    t.add_argument("--year", type=int, default=2017, help="with --example: the year its counts are for")
    sub.add_parser("workspace", help="make or refresh your working copies of the notebooks in lab/ (what 'make lab' "
                                     "opens), so exploring never changes the committed templates")
    sub.add_parser("list", help="list places (params files) and themes")
    th = sub.add_parser("themes", help="list the themes: the notebooks' and those defined in files (one line each)",
                        description="Themes are the notebooks' (place, offenders, early_years, alcohol) and any "
                                    "defined in a file: params/themes/<name>.yaml, or data/<local>/themes/<name>.yaml "
                                    "with --dataset public+<local>. Run one with 'totalplace run --dataset public "
                                    "--theme <name> --area <place>'. With --check, every theme file is checked "
                                    "against the dataset (spend lines and indicators it names).")
    th.add_argument("--dataset", default=None, help="also list the themes beside this dataset's local data, and "
                                                    "with --check, check against it (default: public)")
    th.add_argument("--check", action="store_true", help="check every theme file against the dataset")
    y = sub.add_parser("years", help="the years a dataset covers and the year each report runs in by default")
    y.add_argument("--dataset", default="public", help="dataset to describe (made by 'totalplace ingest')")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``totalplace`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return _dispatch(args)
    except TotalPlaceInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished reports are kept; unfinished ones left no files", file=sys.stderr)
        return 130


def _dispatch(args) -> int:
    if args.command == "run":
        from totalplace_lib.batch.runner import run_batch

        if args.jobs < 1:
            raise TotalPlaceInputError("--jobs must be at least 1")
        summary = run_batch(_split(args.area), _split(args.theme), args.jobs, args.force, args.dataset,
                            args.timeout, progress=not args.no_progress, scheduler=args.scheduler,
                            synthesis=not args.no_synthesis, report_timeout=args.report_timeout,
                            all_areas=args.all_areas, year=args.year, fresh_kernels=args.fresh_kernels,
                            all_districts=args.all_districts)
        done = sum(r.status == "ok" for r in summary.results)
        skipped = sum(r.status == "skipped" for r in summary.results)
        print(f"{done} report(s) produced, {skipped} up to date, {len(summary.failed)} failed; "
              f"synthesis: {summary.synthesis}; index: {_index_path(args.dataset)}")
        for msg in summary.not_covered:
            print(f"not covered by the data: {msg}", file=sys.stderr)
        for msg in summary.bad_inputs:
            print(f"error: {msg}", file=sys.stderr)
        for r in summary.failed:
            print(f"FAILED {r.job.label}: {r.error}", file=sys.stderr)
        return summary.exit_code
    if args.command == "ingest":
        from pathlib import Path

        from totalplace_lib.ingest import run_ingest

        m = run_ingest(Path(args.raw), Path(args.out) if args.out else None)
        for f in m["files"]:
            if f.get("error"):
                print(f"{f['file']}: {f['error']}")
            elif f["rows_read"]:
                print(f"{f['file']}: {f['rows_read']:,} rows read, {f['rows_used']:,} used, "
                      f"{f['rows_rejected']:,} rejected")
            else:
                print(f"{f['file']}: {f['note']}")
        for family, why in m.get("families_missing", {}).items():
            print(f"not found: {family} ({why})")
        count = m.get("count", {})
        if count.get("cra_years"):
            print(f"count: {count['cra_years'][0]} to {count['cra_years'][-1]} "
                  f"({', '.join(f'{y} from {e}' for y, e in count.get('edition_of_year', {}).items())})")
        print("tables: " + ", ".join(f"{t} {v['rows']:,} rows" for t, v in m["tables"].items()))
        print(f"manifest: {m['out']}/manifest.json (reasons for every rejected row)")
        if m.get("current"):
            c = m["current"]
            print(f"current boundaries: {m['out']}-current, the count on {c['authorities']} current districts and "
                  f"unitaries ({len(c['shared_2014_authorities'])} 2014 authorities shared among their districts)")
        return 0
    if args.command == "template":
        from pathlib import Path

        from totalplace_lib.data.local import write_template
        from totalplace_lib.sample.overlay import write_example

        codes = [c.strip() for c in args.area.split("+") if c.strip()]
        if not codes:
            raise TotalPlaceInputError("--area needs at least one GSS code")
        files = (write_example(codes, Path(args.out), args.year) if args.example
                 else write_template(codes, Path(args.out)))
        for f in files:
            print(f)
        from totalplace_lib.core import paths

        out = Path(args.out).resolve()
        if out.parent == (paths.project_root() / "data").resolve():
            print(f"then: totalplace run --dataset public+{out.name} --area {'+'.join(codes)}")
        else:
            print(f"note: --dataset public+<name> reads data/<name>/; move {args.out} there to use it", file=sys.stderr)
        return 0
    if args.command == "workspace":
        from totalplace_lib.batch.workspace import lab_dir, prepare

        for line in prepare():
            print(f"lab/{line}")
        print(f"open with: make lab (JupyterLab on {lab_dir().name}/)")
        return 0
    if args.command == "index":
        from totalplace_lib.batch.runner import write_index

        print(write_index())
        return 0
    if args.command == "sample-data":
        from pathlib import Path

        from totalplace_lib.sample.generator import write_sample

        for path in write_sample(Path(args.out) if args.out else None):
            print(path)
        return 0
    if args.command == "years":
        from totalplace_lib.core.catalogue import THEME_INPUTS, THEMES
        from totalplace_lib.data.datasets import default_year, manifest

        m = manifest(args.dataset)
        if not m:
            raise TotalPlaceInputError(f"dataset '{args.dataset}' has no manifest.json: make it with 'totalplace "
                                       "ingest', or name another with --dataset")
        count = m.get("count", {})
        print(f"the count (every agency): {', '.join(count.get('cra_years', [])) or 'none'}")
        for year, edition in count.get("edition_of_year", {}).items():
            print(f"  {year}: {edition}")
        rs = count.get("revenue_outturn", {})
        print(f"bodies' own accounts (Revenue Outturn): {', '.join(rs.get('years', [])) or 'none'}")
        for year, base in count.get("carried_years", {}).items():
            print(f"  {year}: no Revenue Outturn in the files; {base} shares carried forward")
        for theme in THEMES:
            y0 = default_year(theme, args.dataset)
            why = ("the count's latest year" if theme == "place" else
                   f"the latest year the count and '{THEME_INPUTS[theme][2]}' both cover" if theme in THEME_INPUTS
                   else "")
            print(f"{theme:12s} runs by default in {fy_label(y0)} ({why})")
        return 0
    if args.command == "themes":
        from totalplace_lib.core import paths
        from totalplace_lib.core.catalogue import THEMES, available_themes, theme_files
        from totalplace_lib.themes import defined

        for t in available_themes():
            print(f"{t:14s} {THEMES[t]} (notebooks/{t}.ipynb)")
        ds = None
        if args.check:
            from totalplace_lib.data.datasets import load_dataset

            ds = load_dataset(args.dataset or "public")
        for name in theme_files(args.dataset):
            tf = defined.load(name, args.dataset)
            if ds is not None:
                defined.check_against(tf, ds)
            print(f"{name:14s} {tf.title} ({paths.relative(tf.path)}{', checked' if ds is not None else ''})")
        return 0
    if args.command == "list":
        from totalplace_lib.core.catalogue import THEMES, available_themes, theme_files
        from totalplace_lib.data.places import list_slugs, load_place

        for slug in list_slugs():
            try:
                p = load_place(slug)
                print(f"{slug:40s} {p.name} ({len(p.area_codes)} authorit{'y' if len(p.area_codes) == 1 else 'ies'})")
            except TotalPlaceInputError as exc:
                print(f"{slug:40s} INVALID: {exc}")
        print("themes: " + ", ".join(f"{t} ({THEMES[t]})" for t in available_themes()))
        print("themes defined in files (public data): " + ", ".join(theme_files()))
        return 0
    raise AssertionError(args.command)


def _index_path(dataset: str | None = None) -> str:
    from totalplace_lib.batch.runner import reports_root
    from totalplace_lib.core import paths

    return paths.relative(reports_root(dataset or "sample") / "index.html")


if __name__ == "__main__":
    sys.exit(main())
