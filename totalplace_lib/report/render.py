"""Reviewer output: executed notebooks rendered to self-contained HTML with code hidden, and the index.

HTML is made with nbconvert's ``HTMLExporter`` (``exclude_input``), after a copy of
the notebook is prepared for reviewers: cells tagged ``remove-cell`` dropped,
warnings on stderr dropped, a header (place, theme, dataset, run date, version)
and a table of contents from the ``##`` headings added. External scripts the lab
template links from CDNs are removed, so nothing a reader needs comes from the
network. Every file is written atomically.
"""

from __future__ import annotations

import copy
import html
import json
import logging
import re
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from totalplace_lib import __version__
from totalplace_lib.core import compat, fmt
from totalplace_lib.core.catalogue import THEMES, theme_title
from totalplace_lib.core.files import atomic_write_text

TITLES = {**THEMES, "synthesis": "Cross-pilot synthesis: every pilot and redesign case side by side"}
"""Report titles: the themes plus the synthesis."""

if TYPE_CHECKING:  # nbformat and nbconvert are imported only when rendering (a skip-only rerun stays fast)
    import nbformat

_EXTERNAL_SCRIPT = re.compile(r"<script[^>]+src=\"https?://[^\"]+\"[^>]*>\s*</script>", re.I)
_MATHJAX_BLOCK = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
_REMOTE_MODULE = re.compile(r"<script type=\"module\">(?:(?!</script>).)*?https?://.*?</script>", re.S)
_DEFAULT_ALT = 'alt="No description has been provided for this image"'
_IMG_WITHOUT_ALT = re.compile(r"<img (?![^>]*\balt=)([^>]*>)")
_FOCUSABLE = re.compile(r'(<div (?![^>]*\btabindex=)[^>]*\bclass="[^"]*\b'
                        r'(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"]*")')


def _anchor(i: int) -> str:
    return f"section-{i}"


def prepare_for_review(nb: nbformat.NotebookNode, title: str, subtitle_lines: list[str],
                       failed: bool) -> nbformat.NotebookNode:
    """A copy of an executed notebook arranged for reviewers (header, contents, no noise).

    ``title`` is plain text (escaped here); ``subtitle_lines`` are Markdown whose data parts the caller
    has already escaped with :func:`fmt.safe_markdown`.
    """
    import nbformat

    nb = copy.deepcopy(nb)
    nb.metadata["title"] = " ".join(title.splitlines())  # the browser tab shows the report, not "Notebook"
    kept = []
    toc = []
    last_gap = None  # a section whose charts and tables all lack the same input says so once
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if "remove-cell" in tags:
            continue
        if cell.cell_type == "code":
            outputs = []
            for o in cell.get("outputs", []):
                if o.get("output_type") == "stream" and o.get("name") == "stderr":
                    continue
                html = o.get("data", {}).get("text/html", "")
                if 'class="tp-gap"' in html:
                    if html == last_gap:
                        continue
                    last_gap = html
                outputs.append(o)
            cell.outputs = outputs
        if cell.cell_type == "markdown" and "\n## " in f"\n{cell.source}":
            last_gap = None
        if cell.cell_type == "markdown":
            lines = cell.source.splitlines()
            for j, line in enumerate(lines):
                if line.startswith("## "):
                    i = len(toc) + 1
                    toc.append((i, line[3:].strip()))
                    lines[j] = f'<a id="{_anchor(i)}"></a>\n\n{line}'
            cell.source = "\n".join(lines)
        kept.append(cell)
    header = [f"# {fmt.safe_markdown(' '.join(title.splitlines()))}", "",
              *[f"{' '.join(s.splitlines())}  " for s in subtitle_lines]]
    if failed:
        header += ["", '<div style="border:2px solid #b00020;background:#fdecea;padding:0.6em;">'
                   "<strong>This report failed to run to the end.</strong> The error is shown where it "
                   "happened below; figures after it are missing.</div>"]
    if toc:
        header += ["", "**Contents**", ""] + [f"{i}. [{t}](#{_anchor(i)})" for i, t in toc]
    # Drop the notebook's own H1 title cell: the header carries the title.
    if kept and kept[0].cell_type == "markdown" and kept[0].source.lstrip().startswith("# "):
        intro = kept[0].source.split("\n", 1)[1].strip() if "\n" in kept[0].source else ""
        kept[0].source = intro
    nb.cells = [nbformat.v4.new_markdown_cell("\n".join(header), id="report-header"), *kept]  # same id every run
    return nb


_EXPORTERS = threading.local()


def _exporter():
    """This thread's nbconvert HTML exporter (made once: its templates take 0.2 s to compile)."""
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        compat.skip_html_reparse()  # notebook_html gives alt text and focus on the page as rendered

        c = Config()
        c.HTMLExporter.exclude_input = True
        c.HTMLExporter.exclude_input_prompt = True
        c.HTMLExporter.exclude_output_prompt = True
        c.HTMLExporter.exclude_anchor_links = True
        c.HTMLExporter.optimistic_validation = True  # the notebook validated once, not after each preprocessor
        exporter = _EXPORTERS.html = HTMLExporter(config=c)
        exporter.log.setLevel(logging.ERROR)  # alt text is filled in below
    return exporter


def notebook_html(nb: nbformat.NotebookNode) -> str:
    """HTML of a notebook with all code inputs and prompts hidden and no CDN scripts."""
    body, _ = _exporter().from_notebook_node(nb)
    alts = iter(
        o.get("metadata", {}).get("image/png", {}).get("alt", "Chart")
        for cell in nb.cells if cell.cell_type == "code"
        for o in cell.get("outputs", []) if "image/png" in o.get("data", {})
    )
    # every image its chart's alt text (nbconvert writes none), in the order the charts appear
    body = _IMG_WITHOUT_ALT.sub(lambda m: f'<img alt="{html.escape(next(alts, "Chart"))}" {m.group(1)}', body)
    body = re.sub(re.escape(_DEFAULT_ALT), lambda _m: f'alt="{html.escape(next(alts, "Chart"))}"', body)
    body = _FOCUSABLE.sub(r'\1 tabindex="0"', body)  # outputs reachable from the keyboard (wide tables scroll)
    body = _MATHJAX_BLOCK.sub("", body)
    body = _REMOTE_MODULE.sub("", body)
    body = body.replace("</head>", f"<style>{_READER_CSS}</style>\n</head>", 1)
    body = _PNG.sub(_with_natural_width, body)
    return _EXTERNAL_SCRIPT.sub("", body)


_PNG = re.compile(r'<img ([^>]*?)src="data:image/png;base64,([A-Za-z0-9+/]{40})')


def _with_natural_width(m: re.Match) -> str:
    """An inline chart's tag with its drawn width as a CSS variable (read from the PNG header), so a phone
    can show it at a fixed share of its drawn size whatever that size is."""
    import base64
    import struct

    head = base64.b64decode(m.group(2)[:32])
    width = struct.unpack(">I", head[16:20])[0] if head[:8] == b"\x89PNG\r\n\x1a\n" else 0
    return f'<img style="--drawn:{width}px" ' + m.group(0)[5:] if width else m.group(0)


_READER_CSS = """
/* Reviewers on any screen. Wide tables scroll sideways inside the page, with a shadow at the edge that still
   has columns to show (the scroll cue); charts fit the column on a laptop and keep a readable size on a
   phone, scrolling sideways in their own box instead of shrinking their labels out of reach. */
.jp-RenderedHTMLCommon table{display:block;max-width:100%;overflow-x:auto;
  background:linear-gradient(to right,#fff 30%,rgba(255,255,255,0)),
             linear-gradient(to left,#fff 30%,rgba(255,255,255,0)) 100% 0,
             radial-gradient(farthest-side at 0 50%,rgba(0,0,0,.22),rgba(0,0,0,0)),
             radial-gradient(farthest-side at 100% 50%,rgba(0,0,0,.22),rgba(0,0,0,0)) 100% 0;
  background-repeat:no-repeat;background-size:40px 100%,40px 100%,14px 100%,14px 100%;
  background-attachment:local,local,scroll,scroll}
.jp-RenderedImage img{max-width:100%;height:auto}
.tp-download{font-size:0.9em;margin:0.2em 0 1em}
@media (max-width:700px){
  body{margin:0;padding:0 8px}
  .jp-RenderedImage{overflow-x:auto;max-width:100%}
  .jp-RenderedImage img{max-width:none;width:calc(var(--drawn,640px) * 0.75)}
}
"""


@dataclass
class ReportInfo:
    """What the index needs to know about one report."""

    area: str
    place: str
    theme: str
    status: str  # "ok", "failed", "missing"
    duration_s: float | None
    figures: dict
    error: str = ""
    dataset: str = ""


def render_report(executed: Path, html_path: Path, place: str, theme: str, dataset: str) -> None:
    """Render one executed notebook to reviewer HTML (atomically)."""
    import nbformat

    nb = nbformat.read(executed, as_version=4)
    failed = bool(nb.metadata.get("papermill", {}).get("exception"))
    kind = "illustrative sample data (synthetic)" if dataset == "sample" else f"public data ({dataset})"
    sub = [  # Markdown: the place name (data) is escaped, the separators are not
        f"**Place:** {fmt.safe_markdown(place)} &nbsp;·&nbsp; **Theme:** {TITLES.get(theme) or theme_title(theme)}",
        f"**Data:** {kind} &nbsp;·&nbsp; **Run:** {date.today().isoformat()} &nbsp;·&nbsp; "
        f"**totalplace** {__version__}",
    ]
    title = f"{place}: {TITLES.get(theme) or theme_title(theme)}"
    atomic_write_text(html_path, notebook_html(prepare_for_review(nb, title, sub, failed)))


def first_error_line(executed: Path) -> str:
    """The first line of the error a failed notebook stopped on ('' if none)."""
    try:
        nb = json.loads(executed.read_text(encoding="utf-8"))
    except Exception as exc:  # unreadable notebook: report that instead
        return f"cannot read {executed.name}: {exc}"
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                lines = str(out.get("evalue") or "").splitlines()
                return f"{out.get('ename', 'Error')}: {lines[0] if lines else ''}"
    return ""


def collect(reports: Path, areas: list[tuple[str, str]], themes: list[str]) -> list[ReportInfo]:
    """Read every report's notebook metadata and JSON for the index."""
    infos = []
    for slug, name in areas:
        for theme in themes:
            nb_path = reports / slug / f"{theme}.ipynb"
            js_path = reports / slug / f"{theme}.json"
            if not nb_path.exists():
                infos.append(ReportInfo(slug, name, theme, "missing", None, {}))
                continue
            try:
                meta = json.loads(nb_path.read_text(encoding="utf-8")).get("metadata", {}).get("papermill", {})
            except (OSError, json.JSONDecodeError):
                meta = {"exception": True}
            failed = bool(meta.get("exception"))
            figures, dataset = {}, ""
            if js_path.exists() and not failed:
                rec = json.loads(js_path.read_text(encoding="utf-8"))
                figures, dataset = rec.get("figures", {}), rec.get("dataset", "")
            infos.append(ReportInfo(
                slug, name, theme, "failed" if failed else "ok", meta.get("duration"), figures,
                first_error_line(nb_path) if failed else "", dataset,
            ))
    return infos


def _fmt_figure(f: dict) -> str:
    unit = f.get("unit", "")
    v = f.get("value")
    if v is None:
        return "n/a (" + f.get("missing_reason", "missing") + ")"
    if unit.startswith("GBP"):
        s = fmt.money(v)
        return s + (" a head" if "per head" in unit else "")
    if unit == "proportion":
        return fmt.share(v)
    if unit == "persons":
        return fmt.count(v)
    if unit.startswith("per "):
        return f"{v:,.0f} {unit}"
    return f"{v:,.2f}" if isinstance(v, float) else str(v)


INDEX_FIGURES = {
    "place": ("total_spend_gbp", "spend_per_head_gbp", "preventive_share"),
    "offenders": ("prolific_offenders", "cost_per_prolific_offender_gbp", "cba_npv_gbp", "cba_bcr"),
    "early_years": ("spend_per_child_0_5_gbp", "cla_rate_per_10k", "cba_npv_gbp", "cba_bcr"),
    "alcohol": ("alcohol_share_of_substance_spend", "alcohol_share_of_substance_harm", "cba_npv_gbp", "cba_bcr"),
}
"""Which recorded figures each theme shows on the index page."""

FILE_THEME_FIGURES = ("theme_spend_gbp", "theme_per_head_gbp", "preventive_share", "cba_npv_gbp")
"""What a file-defined theme (:mod:`totalplace_lib.themes.defined`) shows on the index page."""

_CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:2em;color:#0b0c0c;max-width:1200px}
h1{font-size:1.7em;margin-bottom:0.2em} p.note{color:#3d3d3d}
table{border-collapse:collapse;width:100%;font-size:0.92em} th,td{border:1px solid #b1b4b6;padding:6px 8px;
vertical-align:top;text-align:left} th{background:#f3f2f1}
td.ok{border-left:6px solid #28A197} td.failed{border-left:6px solid #b00020;background:#fdecea}
td.missing{border-left:6px solid #b1b4b6;color:#505a5f} .err{color:#b00020;font-size:0.85em}
tr.region th{background:#dfe6ec;font-size:1.05em}
.banner{border:2px solid #F46A25;padding:0.6em;background:#fff4ec;margin:1em 0}
"""


def write_index(reports: Path, infos: list[ReportInfo], themes: list[str], illustrative: bool,
                extra_links: list[tuple[str, str]] | None = None, regions: dict[str, str] | None = None) -> Path:
    """Write ``reports/index.html``: areas x themes with status, key figures, duration and links (``regions``:
    report folder -> region, to list places under their region, by name)."""
    failed = [i for i in infos if i.status == "failed"]
    rows = []
    areas = list(dict.fromkeys((i.area, i.place) for i in infos))
    if regions:
        areas.sort(key=lambda a: (regions.get(a[0], "~"), a[1]))
    region = None
    for slug, name in areas:
        if regions and regions.get(slug, "Other places") != region:
            region = regions.get(slug, "Other places")
            rows.append(f'<tr class="region"><th colspan="{len(themes) + 1}">{html.escape(region)}</th></tr>')
        cells = [f"<th>{html.escape(name)}</th>"]
        for theme in themes:
            info = next(i for i in infos if i.area == slug and i.theme == theme)
            href = f"{slug}/{theme}.html"
            if info.status == "missing":
                cells.append('<td class="missing">not run</td>')
                continue
            figs = "".join(
                f"<br>{html.escape(info.figures[k].get('label', k))}: <strong>{_fmt_figure(info.figures[k])}</strong>"
                for k in INDEX_FIGURES.get(theme, FILE_THEME_FIGURES) if k in info.figures
            )
            dur = f"<br><small>{info.duration_s:.1f} s</small>" if info.duration_s else ""
            err = f'<div class="err">{html.escape(info.error)}</div>' if info.error else ""
            label = "report" if info.status == "ok" else "FAILED: see report"
            cells.append(f'<td class="{info.status}"><a href="{href}">{label}</a>{figs}{err}{dur}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f"<th>{html.escape(TITLES.get(t) or theme_title(t))}</th>" for t in themes)
    banner = ('<div class="banner"><strong>Illustrative data.</strong> These reports run on the project\'s '
              "synthetic sample, calibrated to published Total Place headline figures. The methods are real; "
              "the local numbers are not.</div>") if illustrative else ""
    status = (f'<p class="err"><strong>{len(failed)} report(s) failed</strong>: '
              + ", ".join(html.escape(f"{f.place} / {f.theme}") for f in failed) + "</p>") if failed else \
        f'<p class="note">All {sum(i.status == "ok" for i in infos)} reports ran successfully.</p>'
    links = "".join(f'<li><a href="{h}">{html.escape(t)}</a></li>' for t, h in (extra_links or []))
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Total Place reports</title><style>{_CSS}</style></head>
<body><h1>Total Place reports</h1>
<p class="note">Generated {date.today().isoformat()} by totalplace {__version__}. One report per place and theme;
figures are pounds at the price year stated in each report.</p>
{banner}{status}{f"<ul>{links}</ul>" if links else ""}
<table><thead><tr><th>Place</th>{head}</tr></thead><tbody>
{"".join(rows)}
</tbody></table></body></html>
"""
    path = reports / "index.html"
    atomic_write_text(path, page)
    return path
