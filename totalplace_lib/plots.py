"""House chart style and the charts the reports show.

One style for every chart: the UK Government Analysis Function style and accessible
palette (``afcharts``), money axes in £, titles that state the finding and subtitles
that give the unit, year and source. Every function returns a :class:`Chart` (a Figure with
alt text, drawn by Agg outside pyplot), so a notebook cell that ends with the call shows it exactly once.
"""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.style  # noqa: F401  (mpl.style)
import numpy as np
import pandas as pd
from afcharts.af_colours import get_af_colours
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from . import alcohol, benchmark, count, fmt
from .core.periods import fy_label
from .gaps import Missing, guard, known_rows, partial_note
from .schema import STAGES

_STYLE_APPLIED = False
PNG_LEVEL = 3
"""deflate level of the charts' PNGs (:func:`png_bytes`): 6 makes them 7% smaller and takes half as long again."""
PALETTE = get_af_colours("categorical", number_of_colours=6)
FOCUS = get_af_colours("focus")  # [highlight, grey]
STAGE_COLOURS = dict(zip(STAGES, get_af_colours("sequential", number_of_colours=4)[::-1], strict=True))


def apply_style() -> None:
    """Apply the Analysis Function chart style once (fixed size and DPI for reproducible output)."""
    global _STYLE_APPLIED
    if _STYLE_APPLIED:
        return
    mpl.style.use("afcharts.afcharts")
    mpl.rcParams.update({"figure.figsize": (8.5, 4.8), "figure.dpi": 100, "savefig.dpi": 100,
                         "axes.titlesize": 13, "axes.titleweight": "bold", "axes.titlelocation": "left"})
    _STYLE_APPLIED = True


def _figure(figsize: tuple[float, float] | None = None):
    """A new figure (inches; the style's size if None) and its axes, drawn by Agg and kept out of pyplot.

    Outside pyplot a figure is never shown again at the end of a cell nor left open, and its canvas keeps
    one renderer from layout to saving, so each text is measured once (pyplot's ``close`` dropped the
    canvas, and saving then measured every text again with a renderer of its own).
    """
    apply_style()
    fig = Figure(figsize=figsize)
    _Canvas(fig)
    return fig, fig.add_subplot()


_TEXT_SIZES: dict[tuple, tuple[float, float, float]] = {}
"""(text, font files, size in points, dpi, hinting) -> its width, height and descent in pixels, for every chart
this process draws (:class:`_Renderer`)."""


class _Renderer(RendererAgg):
    """Agg's renderer, measuring each text in a given font once for all charts.

    matplotlib keeps the sizes of texts only for the renderer that measured them, and every chart has its own,
    so each chart measured its tick labels, category names and each try at wrapping a title again with
    FreeType: about a twentieth of a report's time. A text's size depends only on the text, the font files
    and size, the resolution and the hinting, which make the key here.
    """

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, tuple(font_manager.fontManager._find_fonts_by_props(prop)), prop.get_size_in_points(), self.dpi,
               mpl.rcParams["text.hinting"], mpl.rcParams["text.hinting_factor"])
        size = _TEXT_SIZES.get(key)
        if size is None:
            if len(_TEXT_SIZES) >= 50_000:  # a long session: start again rather than grow without end
                _TEXT_SIZES.clear()
            size = _TEXT_SIZES[key] = super().get_text_width_height_descent(s, prop, ismath)
        return size


class _Canvas(FigureCanvasAgg):
    """The Agg canvas of every report chart, drawing with :class:`_Renderer`."""

    def get_renderer(self):
        key = (*self.figure.bbox.size, self.figure.dpi)
        if self._lastKey != key:
            self.renderer = _Renderer(*key)
            self._lastKey = key
        return self.renderer


def money_axis(ax, axis: str = "x") -> None:
    """Format an axis in pounds (£m/£bn/£ as appropriate)."""
    f = FuncFormatter(lambda v, _pos: fmt.money_tick(v))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(f)


class Chart:
    """A finished chart: shows as a PNG with alt text (title and subtitle) in notebooks and HTML.

    ``chart.fig`` is the matplotlib Figure (``chart.fig.savefig(...)`` to export).
    """

    def __init__(self, fig: Figure, title: str, subtitle: str) -> None:
        self.fig = fig
        self.title = title
        self.alt = f"Chart: {title}. {subtitle}."

    @property
    def bbox(self):
        """The area ``savefig(bbox_inches="tight")`` saves: the drawn content plus its margin (inches)."""
        return self.fig.get_tightbbox(_renderer(self.fig)).padded(mpl.rcParams["savefig.pad_inches"])

    def png(self) -> bytes:
        """The chart as PNG bytes, cropped to its drawn content and margin (as ``bbox_inches="tight"``).

        Drawn once on the figure's own canvas, whose renderer has already measured every text for the
        layout, and cropped to the pixels that are not background. A chart drawn to the figure's edge may
        spill past it, so it (or a figure with another canvas) is saved by ``savefig``, which draws beyond.
        """
        import io

        buf = io.BytesIO()
        canvas = self.fig.canvas
        if isinstance(canvas, FigureCanvasAgg):
            canvas.draw()
            pixels = np.asarray(canvas.buffer_rgba())
            box = _ink_box(pixels, self.fig.get_facecolor(), round(mpl.rcParams["savefig.pad_inches"] * self.fig.dpi))
            if box is not None:
                top, bottom, left, right = box
                return png_bytes(pixels[top:bottom, left:right])
        self.fig.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()

    def _repr_mimebundle_(self, include=None, exclude=None):
        import base64

        data = {"image/png": base64.b64encode(self.png()).decode("ascii"), "text/plain": self.title}
        return data, {"image/png": {"alt": self.alt}}


def png_bytes(pixels: np.ndarray, level: int = PNG_LEVEL) -> bytes:
    """An RGBA image (rows x columns x 4, uint8) as PNG bytes: RGB when every pixel is opaque, rows unfiltered.

    Charts are large flat areas of a few colours, which deflate compresses best as they are: PIL's encoder
    chooses a filter for every row, and wrote the charts a fifth larger, taking 1.6 times as long
    (``benchmarks/charts.py``).
    """
    import struct
    import zlib

    opaque = bool((pixels[..., 3] == 255).all())
    image = pixels[..., :3] if opaque else pixels
    height, width, channels = image.shape
    rows = np.zeros((height, width * channels + 1), dtype=np.uint8)  # each row: filter type 0, then its bytes
    rows[:, 1:] = image.reshape(height, -1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)  # 8-bit RGB or RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), level))
            + chunk(b"IEND", b""))


def _ink_box(pixels: np.ndarray, background, margin: int) -> tuple[int, int, int, int] | None:
    """Rows and columns (top, bottom, left, right; ends exclusive) of an RGBA image's drawn content, widened
    by ``margin`` pixels within the image; None if nothing is drawn or the content reaches the image's edge
    (where it may have been cut off)."""
    bg = np.array([round(255 * c) for c in mpl.colors.to_rgba(background)], dtype=np.uint8).view(np.uint32)[0]
    ink = pixels.view(np.uint32)[..., 0] != bg
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    height, width = ink.shape
    if not len(rows) or rows[0] == 0 or cols[0] == 0 or rows[-1] == height - 1 or cols[-1] == width - 1:
        return None
    return (max(0, rows[0] - margin), min(height, rows[-1] + 1 + margin),
            max(0, cols[0] - margin), min(width, cols[-1] + 1 + margin))


def _titles(ax, title: str, subtitle: str) -> None:
    """Give the chart its title (the finding) and subtitle (unit, year, what is shown), placed and wrapped
    by :func:`_fit_titles` when the chart is finished."""
    ax.figure._tp_titles = ax._tp_text = (title, subtitle)
    # annotations offset in points from the plotting area's top left corner: a layout moves the plotting
    # area and the titles with it, and tall charts keep the subtitle just under the title
    ax._tp_subtitle = ax.annotate(subtitle, xy=(0, 1), xycoords="axes fraction", xytext=(0, 6),
                                  textcoords="offset points", fontsize=9.5, color="#3D3D3D", va="bottom")
    ax._tp_title = ax.annotate(title, xy=(0, 1), xycoords="axes fraction", xytext=(0, 26),
                               textcoords="offset points", fontsize=mpl.rcParams["axes.titlesize"],
                               fontweight=mpl.rcParams["axes.titleweight"], va="baseline")


def _layout_pad(fig) -> float:
    """The margin (px) ``tight_layout`` leaves at the figure's edges: 1.08 font sizes, its default."""
    return 1.08 * mpl.rcParams["font.size"] / 72 * fig.dpi


def _fit_titles(fig) -> None:
    """Wrap each title and subtitle to the figure's width less the layout's margins and start them where the
    chart starts (the left edge of its category labels, not of the plotting area); run before the layout.

    A chart with long category labels starts its plotting area far to the right: a title placed from there
    ran past the figure's edge and the saved image grew wider, so the whole chart was shown smaller. Placed
    first, the titles never widen the layout, so the chart is laid out once.
    """
    renderer = _renderer(fig)
    room = fig.bbox.width - 2 * _layout_pad(fig)
    for ax in _titled(fig):
        title, subtitle = ax._tp_text
        ax._tp_subtitle.set_text(_wrap(subtitle, ax._tp_subtitle, room, renderer))
        ax._tp_title.set_text(_wrap(title, ax._tp_title, room, renderer))
        ax._tp_title.xyann = (0, 26 + 12 * ax._tp_subtitle.get_text().count("\n"))
        _align_titles(ax, ax.yaxis.get_tightbbox(renderer))


def _titled(fig) -> list:
    """The figure's axes that have a title and subtitle from :func:`_titles`."""
    return [ax for ax in fig.axes if hasattr(ax, "_tp_text")]


def _wrap(text: str, shown, room: float, renderer) -> str:
    """``text`` in lines no wider than ``room`` px when drawn as ``shown`` (a Text, whose text is replaced)."""
    import textwrap

    shown.set_text(text)
    width = shown.get_window_extent(renderer).width
    if width <= room:
        return text
    chars = int(len(text) * room / width)
    while True:  # the estimate from the mean character width, narrowed until the widest line fits
        wrapped = "\n".join(textwrap.wrap(text, width=chars))
        shown.set_text(wrapped)
        if chars <= 20 or shown.get_window_extent(renderer).width <= room:
            return wrapped
        chars -= max(1, chars // 20)


def _align_titles(ax, labels) -> None:
    """Start the title and subtitle at the chart's left edge, in points from the plotting area's (which a
    layout does not change). ``labels``: the y axis' extent (``ax.yaxis.get_tightbbox``; None when the axis
    is hidden, as on the map), whose left edge is the chart's if it lies left of the plotting area."""
    left = min(ax.bbox.x0, labels.x0) if labels is not None else ax.bbox.x0
    dx = (left - ax.bbox.x0) * 72 / ax.figure.dpi
    for text in (ax._tp_title, ax._tp_subtitle):
        text.xyann = (dx, text.xyann[1])


def _renderer(fig):
    """A renderer to measure a figure's artists with, whatever canvas the figure has (Agg in reports)."""
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get else fig._get_renderer()


def legend_overlaps_data(ax, renderer=None) -> bool:
    """True if the axes' legend covers any plotted data: a line's or scatter's points, a bar, a shaded area
    or a label drawn on the plot (display coordinates, as the chart is drawn)."""
    leg = ax.get_legend()
    if leg is None:
        return False
    renderer = renderer or _renderer(ax.figure)
    box = leg.get_window_extent(renderer)
    inside = ax.get_window_extent(renderer)
    if not box.overlaps(inside):
        return False
    for line in ax.lines:
        xy = line.get_xydata()
        if len(xy) and line.get_visible():
            pts = line.get_transform().transform(xy)
            # its points, and three points along each segment (a segment may cross the legend between them)
            along = [pts[:-1] + t * (pts[1:] - pts[:-1]) for t in (0.25, 0.5, 0.75)] if len(pts) > 1 else []
            every = np.concatenate([pts, *along])
            if np.any((every[:, 0] >= box.x0) & (every[:, 0] <= box.x1)
                      & (every[:, 1] >= box.y0) & (every[:, 1] <= box.y1)):
                return True
    for patch in ax.patches:
        ext = patch.get_window_extent(renderer)
        if patch.get_visible() and ext.width > 0 and ext.height > 0 and ext.overlaps(box):
            return True
    for coll in ax.collections:
        ext = coll.get_window_extent(renderer)
        if ext.width > 0 and ext.height > 0 and ext.overlaps(box):
            return True
    return any(t.get_visible() and t.get_text().strip() and t.get_window_extent(renderer).overlaps(box)
               and t.get_window_extent(renderer).overlaps(inside) for t in ax.texts)


def _legends_off_data(fig) -> bool:
    """Move any legend that covers plotted data to just below its axes (in columns), where it cannot;
    True if one was moved."""
    renderer = _renderer(fig)
    moved = False
    for ax in fig.axes:
        leg = ax.get_legend()
        if leg is None or not legend_overlaps_data(ax, renderer):
            continue
        handles, labels = leg.legend_handles, [t.get_text() for t in leg.get_texts()]
        size = leg.get_texts()[0].get_fontsize() if labels else None
        leg.remove()
        below = ax.get_tightbbox(renderer)
        y = ax.transAxes.inverted().transform((0, below.y0))[1] - 0.02
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, y), ncol=min(len(labels), 3),
                  frameon=False, fontsize=size)
        moved = True
    return moved


def _spills(fig, renderer, axis_boxes: dict) -> bool:
    """True if a text on a plot (a bar's value label, say) or an axis' labels reach past the figure's edge.

    One layout places such things only roughly: texts sit at data positions, which move as it narrows the
    plotting area (one squeezed by long labels leaves its value labels hanging off the edge), and a
    plotting area it widens may be given more ticks, the last of whose labels overhangs the figure.
    ``axis_boxes``: each axes' x and y axis extents (:func:`_axis_boxes`).
    """
    edge = fig.bbox
    for ax in fig.axes:
        boxes = [*axis_boxes[ax]]
        boxes += [t.get_window_extent(renderer) for t in ax.texts if t.get_visible() and t.get_text().strip()]
        for box in boxes:
            if box is not None and (box.x0 < edge.x0 - 1 or box.x1 > edge.x1 + 1 or box.y0 < edge.y0 - 1
                                    or box.y1 > edge.y1 + 1):
                return True
    return False


def _axis_boxes(fig, renderer) -> dict:
    """Each axes' x and y axis extents (px; None for a hidden axis), measured once for several checks."""
    return {ax: (ax.xaxis.get_tightbbox(renderer), ax.yaxis.get_tightbbox(renderer)) for ax in fig.axes}


SOURCE_ROOM = 0.04
"""Share of the figure's height kept below the chart for its source line."""


def _layout(fig) -> None:
    """``tight_layout`` with the bottom :data:`SOURCE_ROOM` of the figure left to the source line.

    ``tight_layout(rect=...)`` measures every artist twice, and for a chart of one plotting area the second
    pass only moves the bottom edge up by the room asked for: done here directly, each layout measures once.
    """
    subplots = [ax for ax in fig.axes if ax.get_subplotspec() is not None]
    if len(subplots) != 1:
        fig.tight_layout(rect=(0, SOURCE_ROOM, 1, 1))
        return
    fig.tight_layout()
    p = fig.subplotpars
    if p.bottom + SOURCE_ROOM < p.top:
        fig.subplots_adjust(bottom=p.bottom + SOURCE_ROOM)


def _finish(fig, source: str) -> Chart:
    """Source line, titles, one layout (two if a legend had to move off the data or something spilled past
    the figure's edge): the finished chart."""
    line = fig.text(0.01, 0.005, "", fontsize=8, color="#3D3D3D", ha="left", va="bottom")
    # wrapped here, once: matplotlib's own wrap=True measured the line word by word at every draw
    line.set_text(_wrap(f"Source: {source}", line, fig.bbox.width * 0.98 - 6, _renderer(fig)))
    _fit_titles(fig)
    _layout(fig)
    renderer = _renderer(fig)
    boxes = _axis_boxes(fig, renderer)
    if _legends_off_data(fig) or _spills(fig, renderer, boxes):
        _layout(fig)
        boxes = _axis_boxes(fig, renderer)  # the layout moved them: measure again
    for ax in _titled(fig):  # numeric labels may have changed with the plotting area's height
        _align_titles(ax, boxes[ax][1])
    return Chart(fig, *fig._tp_titles)


def hbar_money(table: pd.DataFrame, label: str, title: str, subtitle: str, source: str,
               top: int | None = None, highlight: str | None = None) -> Chart:
    """Horizontal bars of £ amounts (column ``amount_gbp``), largest at the top.

    Parameters
    ----------
    table : DataFrame
        Needs ``label`` and ``amount_gbp`` columns.
    highlight : str, optional
        A label drawn in the focus colour, the others grey.
    """
    t = table.sort_values("amount_gbp", ascending=False)
    if top:
        t = t.head(top)
    t = t.iloc[::-1]
    fig, ax = _figure((8.5, max(3.0, 0.38 * len(t) + 1.6)))
    colours = [FOCUS[0] if (highlight is None or v == highlight) else FOCUS[1] for v in t[label]]
    ax.barh(t[label], t["amount_gbp"], color=colours)
    total = table["amount_gbp"].sum()
    for y, v in enumerate(t["amount_gbp"]):
        ax.text(v, y, f" {fmt.money(v)} ({fmt.share(v / total, 0)})", va="center", fontsize=8.5)
    money_axis(ax, "x")
    ax.set_xlim(0, t["amount_gbp"].max() * 1.3)
    ax.set_ylabel("")
    _titles(ax, title, subtitle)
    return _finish(fig, source)


def stage_bar(stages: pd.DataFrame, title: str, subtitle: str, source: str) -> Chart:
    """One stacked bar of spend by stage (preventive -> acute), labelled with shares."""
    fig, ax = _figure((8.5, 2.6))
    left = 0.0
    for _, row in stages.iterrows():
        ax.barh([""], [row["share"]], left=left, color=STAGE_COLOURS[row["stage"]], label=row["stage"])
        if row["share"] > 0.04:
            name = row["stage"].replace(" ", "\n")  # "early intervention" ran into its neighbours on one line
            ax.text(left + row["share"] / 2, 0, f"{name}\n{fmt.share(row['share'], 0)}",
                    ha="center", va="center", fontsize=8.5,
                    color="white" if row["stage"] in ("reactive", "acute") else "black")
        left += row["share"]
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    ax.set_yticks([])
    ax.grid(False)
    _titles(ax, title, subtitle)
    return _finish(fig, source)


def peer_bars(table: pd.DataFrame, value: str, label: str, highlight: str, title: str, subtitle: str,
              source: str, reference: float | None = None, reference_label: str = "",
              money: bool = True) -> Chart:
    """Places ranked on one measure, the chosen place highlighted, an optional reference line."""
    t = table.sort_values(value, ascending=True)
    fig, ax = _figure((8.5, max(3.0, 0.36 * len(t) + 1.6)))
    colours = [FOCUS[0] if v == highlight else FOCUS[1] for v in t[label]]
    ax.barh(t[label], t[value], color=colours)
    if reference is not None:
        ax.axvline(reference, color=PALETTE[1], linestyle="--", linewidth=1.5)
        ax.text(reference, len(t) - 0.4, f" {reference_label}", color=PALETTE[1], fontsize=8.5, va="bottom")
    if money:
        money_axis(ax, "x")
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    _titles(ax, title, subtitle)
    return _finish(fig, source)


# --- Place overview charts ------------------------------------------------------------------------

def _src(c) -> str:
    return "; ".join(c.sources)


def spend_by_agency_chart(by_agency: pd.DataFrame, c, what: str = "public spend") -> Chart:
    """Spend by agency for a place, titled with the largest agency's share of ``what``."""
    top = by_agency.iloc[0]
    return hbar_money(
        by_agency, "agency",
        title=f"{top['agency']} accounts for {fmt.share(top['share'], 0)} of {what} in {c.place}",
        subtitle=f"Spend by agency, £, {c.price_year} prices (total {fmt.money(c.total_gbp)})",
        source=_src(c),
    )


def spend_by_service_chart(by_service: pd.DataFrame, c, top: int = 12) -> Chart:
    """The largest services in a place, titled with the largest."""
    first = by_service.iloc[0]
    return hbar_money(
        by_service, "service", top=top,
        title=f"The largest single line is {first['service'].split(' (')[0]}",
        subtitle=f"{top} largest services by spend, £, {c.price_year} prices",
        source=_src(c),
    )


def stage_chart(stages: pd.DataFrame, c, what: str = "public spend") -> Chart:
    """Stage split for a place, titled with the preventive share (of need-related spend where universal
    services and entitlements are in the count)."""
    universal = stages.attrs.get("universal_gbp", 0.0)
    if universal:
        what = f"need-related {what}"
    return stage_bar(
        stages,
        title=f"{fmt.share(c.preventive_share, 0)} of {what} in {c.place} comes before crisis",
        subtitle=f"Share of {what} by stage, {c.price_year}" + (
            f"; {fmt.money(universal)} on universal services and entitlements (schools, pensions, roads) left out"
            if universal else ""),
        source=_src(c),
    )


def peers_per_head_chart(peers: pd.DataFrame, c, slug: str, pooled_per_head: float,
                         what: str = "Public spend per resident") -> Chart:
    """Spend per head across the places compared (pilots, or similar authorities on public data), this place
    highlighted, pooled average marked."""
    group = count.group_of(peers)
    return peer_bars(
        peers, "per_head_gbp", "place", c.place,
        title=f"{c.place} ranks {fmt.ordinal(count.rank_of(peers, slug))} of {len(peers)} {group} on "
              f"{what.lower()}",
        subtitle=f"{what}, £, {c.price_year} prices",
        source=_src(c), reference=pooled_per_head,
        reference_label=f"{group}' average {fmt.money(pooled_per_head)}",
    )


# --- Redesign case (CBA) charts -------------------------------------------------------------------

def payback_chart(cf: pd.DataFrame, a, source: str) -> Chart:
    """Cumulative discounted costs and fiscal benefits by year, payback year marked."""
    fig, ax = _figure()
    ax.plot(cf["label"], cf["cum_pv_costs"], color=PALETTE[3], linewidth=2.5, label="costs (cumulative PV)")
    ax.plot(cf["label"], cf["cum_pv_fiscal"], color=PALETTE[0], linewidth=2.5,
            label="fiscal benefits (cumulative PV)")
    if a.payback_label is not None:
        ax.axvline(a.payback_label, color=PALETTE[1], linestyle="--", linewidth=1.5)
        ax.text(a.payback_label, ax.get_ylim()[1] * 0.95, f" pays back {a.payback_label}", color=PALETTE[1],
                fontsize=9, va="top")
    money_axis(ax, "y")
    ax.tick_params(axis="x", rotation=45)
    ax.legend(loc="upper left", frameon=False)
    title = (f"Fiscal benefits repay the costs by {a.payback_label}" if a.payback_label
             else "Fiscal benefits never repay the costs within the horizon")
    _titles(ax, title, f"Cumulative present values, £ at {a.price_year} prices; NPV {fmt.money(a.npv)}, "
                       f"BCR {a.bcr:.1f}")
    return _finish(fig, source)


def who_benefits_chart(matrix: pd.DataFrame, a, source: str) -> Chart:
    """Heatmap of PV fiscal benefit by funder (rows) and beneficiary (columns)."""
    import textwrap

    import seaborn as sns

    fig, ax = _figure((8.5, 2.2 + 0.55 * len(matrix)))
    labels = matrix.map(fmt.money_tick)  # £98.8k: short enough for five columns
    sns.heatmap(matrix, annot=labels, fmt="", cmap="Blues", cbar=False, linewidths=1, ax=ax,
                annot_kws={"fontsize": 10})
    ax.set_xlabel("benefits to")
    ax.set_ylabel("paid for by")
    # agency names wrapped onto lines under their column, and read across beside their row
    ax.set_xticklabels(["\n".join(textwrap.wrap(str(c), 14)) for c in matrix.columns], rotation=0, fontsize=9.5)
    ax.set_yticklabels([str(r) for r in matrix.index], rotation=0, fontsize=9.5)
    top = max(a.fiscal_by_agency, key=a.fiscal_by_agency.get)
    funders = ", ".join(a.costs_by_agency)
    share = a.fiscal_by_agency[top] / a.pv_fiscal
    verb = "pays" if len(a.costs_by_agency) == 1 else "pay"
    title = (f"{top} gets {fmt.share(share, 0)} of the savings; {funders} {verb}" if top not in a.costs_by_agency
             else f"{top} gets {fmt.share(share, 0)} of the savings")
    _titles(ax, title, f"Who pays, who benefits: PV fiscal benefit, £ at {a.price_year} prices")
    return _finish(fig, source)


def tornado_chart(t: pd.DataFrame, source: str, price_year: str) -> Chart:
    """NPV range as each assumption moves low -> high, widest at the top."""
    t = t.iloc[::-1]
    fig, ax = _figure((8.5, 1.6 + 0.5 * len(t)))
    base = float(t["npv_central"].iloc[0])
    for y, (_, r) in enumerate(t.iterrows()):
        lo, hi = sorted([r["npv_low"], r["npv_high"]])
        ax.barh(y, hi - lo, left=lo, color=PALETTE[0])
        ax.text(hi, y, f"  {r['low']:g} to {r['high']:g}", va="center", fontsize=8.5)
    ax.set_yticks(range(len(t)), t["assumption"])
    ax.axvline(base, color="black", linewidth=1)
    ax.axvline(0, color=PALETTE[3], linewidth=1.5, linestyle="--")
    money_axis(ax, "x")
    first = t.iloc[-1]
    _titles(ax, f"The result is most sensitive to {first['assumption']}",
            f"NPV as each assumption moves across its range (others central), £ at {price_year} prices")
    return _finish(fig, source)


def npv_distribution_chart(mc, source: str, price_year: str) -> Chart:
    """Histogram of Monte Carlo NPVs with zero and the 5th/95th percentiles marked."""
    fig, ax = _figure()
    counts, edges = np.histogram(mc.npv, bins=60)
    ax.stairs(counts, edges, fill=True, color=PALETTE[0])  # one shape, not 60 bars measured and drawn one by one
    ax.axvline(0, color=PALETTE[3], linestyle="--", linewidth=1.5)
    pct = mc.percentiles()
    for q in (5, 95):
        ax.axvline(pct[q], color=PALETTE[1], linewidth=1)
    money_axis(ax, "x")
    ax.set_ylabel("draws")
    lo, hi = mc.p_interval
    _titles(ax, f"Benefits exceed costs in {fmt.share(mc.p_benefit_exceeds_cost, 0)} of {mc.draws:,} simulations",
            f"NPV distribution, £ at {price_year} prices; 90% of draws between {fmt.money(pct[5])} and "
            f"{fmt.money(pct[95])} (P 95% CI {fmt.share(lo)}-{fmt.share(hi)})")
    return _finish(fig, source)


# --- Theme charts ----------------------------------------------------------------------------------

def pareto_chart(curve: pd.DataFrame, table: pd.DataFrame, what: str, who: str, source: str) -> Chart:
    """Concentration curve: cumulative share of ``what`` against share of ``who`` (most active first)."""
    fig, ax = _figure()
    ax.plot(curve["people_share"], curve["total_share"], color=PALETTE[0], linewidth=2.5, label=f"{who}, most first")
    ax.plot([0, 1], [0, 1], color=FOCUS[1], linestyle="--", linewidth=1, label="if everyone were equal")
    for _, r in table.iterrows():
        ax.plot(r["top_people_share"], r["total_share"], "o", color=PALETTE[1])
        ax.annotate(f"top {r['top_people_share']:.0%}: {r['total_share']:.0%}",
                    (r["top_people_share"], r["total_share"]), textcoords="offset points", xytext=(8, -12),
                    fontsize=8.5)
    pct = FuncFormatter(lambda v, _p: f"{v:.0%}")
    ax.xaxis.set_major_formatter(pct)
    ax.yaxis.set_major_formatter(pct)
    ax.set_xlabel(f"share of {who}")
    ax.set_ylabel(f"share of {what}")
    ax.legend(loc="lower right", frameon=False)
    two = table.loc[table["top_people_share"] == 0.02, "total_share"]
    lead = table.iloc[0] if two.empty else table[table["top_people_share"] == 0.02].iloc[0]
    _titles(ax, f"The top {lead['top_people_share']:.0%} of {who} account for {lead['total_share']:.0%} of {what}",
            f"Cumulative share of {what} by share of {who}, ranked from the most to the least")
    return _finish(fig, source)


def stacked_bars(table: pd.DataFrame, label: str, parts: list[str], title: str, subtitle: str, source: str,
                 money: bool = True) -> Chart:
    """Horizontal stacked bars: one bar per ``label`` row, one segment per column in ``parts``."""
    t = table.iloc[::-1]
    fig, ax = _figure((8.5, max(3.0, 0.42 * len(t) + 1.9)))
    left = pd.Series(0.0, index=t.index)
    for i, part in enumerate(parts):
        ax.barh(t[label], t[part], left=left, color=PALETTE[i % len(PALETTE)], label=part)
        left = left + t[part]
    if money:
        money_axis(ax, "x")
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.32 - 0.02 * len(parts)), ncol=min(4, len(parts)),
              frameon=False, fontsize=8.5)
    _titles(ax, title, subtitle)
    return _finish(fig, source)


def series_chart(by_agency: pd.DataFrame, england: pd.DataFrame, place: str, source: str, top: int = 6) -> Chart:
    """Spend per resident by agency, year by year in real terms (stacked areas), with England's total as a
    dashed line; titled with the change from the first to the last year.

    Parameters
    ----------
    by_agency : DataFrame
        :func:`count.series` output (``attrs['price_year']`` gives the prices).
    england : DataFrame
        :func:`count.england_series` output at the same prices.
    """
    py = by_agency.attrs["price_year"]
    per_head = by_agency["per_head_real_gbp"].notna().any()
    value = "per_head_real_gbp" if per_head else "real_gbp"  # no population for the place: totals, said so
    t = by_agency.dropna(subset=[value]).copy()
    t[value] = t[value].astype(float)
    last = t[t["year"] == t["year"].max()].sort_values(value, ascending=False)
    keep = list(last["agency"].head(top))
    t["group"] = t["agency"].where(t["agency"].isin(keep), "Other agencies")
    wide = t.pivot_table(index="year", columns="group", values=value, aggfunc="sum").fillna(0.0)
    wide = wide[[c for c in [*keep, "Other agencies"] if c in wide.columns]]
    fig, ax = _figure((8.5, 4.9))
    colours = [*PALETTE, FOCUS[1]]
    ax.stackplot(wide.index, *[wide[c] for c in wide.columns], labels=list(wide.columns),
                 colors=[colours[i % len(colours)] for i in range(len(wide.columns))], alpha=0.9)
    if per_head:
        eng = england[england["year"].isin(wide.index)].groupby("year")["per_head_real_gbp"].sum()
        ax.plot(eng.index, eng.values, color="#000000", linestyle="--", linewidth=1.8, label="England (all agencies)")
    money_axis(ax, "y")
    ax.set_xticks(list(wide.index))
    ax.set_xticklabels([f"{y % 100:02d}/{(y + 1) % 100:02d}" for y in wide.index], fontsize=8)
    ax.set_xlim(wide.index.min(), wide.index.max())
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False, fontsize=8.5)
    total = wide.sum(axis=1)
    change = total.iloc[-1] / total.iloc[0] - 1
    first, lastyr = int(wide.index.min()), int(wide.index.max())
    what = "Public spending per resident in" if per_head else "Public spending in"
    title = (f"{what} {place} {'rose' if change >= 0 else 'fell'} {fmt.share(abs(change), 0)} in real terms, "
             f"{fy_label(first)} to {fy_label(lastyr)}")
    subtitle = (f"£ a resident a year at {py} prices (GDP deflator), by agency; dashed: England" if per_head else
                f"£ a year at {py} prices (GDP deflator), by agency; the files hold no population for this place "
                "alone, so not per resident")
    _titles(ax, title, subtitle)
    return _finish(fig, source)


def crime_cost_chart(cc: pd.DataFrame, bearers: tuple[str, ...], place: str, price_year: str) -> Chart:
    """Cost of recorded crime by offence type, split by who bears it."""
    top = cc.iloc[0]
    total = cc["cost_gbp"].sum()
    return stacked_bars(
        cc, "offence", list(bearers),
        title=f"{top['offence'].capitalize()} is {fmt.share(top['cost_gbp'] / total, 0)} of the cost of crime "
              f"in {place}",
        subtitle=f"Cost of recorded crime by offence and who bears it, £ at {price_year} prices "
                 f"(total {fmt.money(total)})",
        source=f"Recorded offences x Home Office (2018) costs of crime, deflated to {price_year}",
    )


def journey_chart(journey, place: str, per_offence: float, offences_per_person: float, price_year: str) -> Chart:
    """A prolific offender's year: each contact type's cost per person, plus the cost of their offences."""
    t = journey.assign(label=journey["event"] + " (" + journey["agency"] + ")",
                       amount_gbp=journey["cost_per_person_gbp"])[["label", "amount_gbp"]]
    t = pd.concat([t, pd.DataFrame([{"label": f"{offences_per_person:.0f} offences (harm and response)",
                                     "amount_gbp": per_offence * offences_per_person}])], ignore_index=True)
    t = t.groupby("label", as_index=False)["amount_gbp"].sum()
    total = t["amount_gbp"].sum()
    return hbar_money(
        t, "label",
        title=f"A prolific offender's year in {place} costs about {fmt.money(total)}",
        subtitle=f"Average cost per prolific offender a year by contact, £ at {price_year} prices",
        source="Person-level records x unit costs (Unit Cost Database; Home Office; DWP)",
    )


def ci_chart(bench: pd.DataFrame, highlight: str, title: str, subtitle: str, source: str,
             percent: bool = False) -> Chart:
    """Places ranked on an indicator with 95% confidence intervals; England as a dashed line."""
    eng = bench[bench["slug"] == "england"]
    t = bench[bench["slug"] != "england"].sort_values("value")
    fig, ax = _figure((8.5, max(3.0, 0.36 * len(t) + 1.8)))
    colours = [FOCUS[0] if p == highlight else FOCUS[1] for p in t["place"]]
    ax.barh(t["place"], t["value"], color=colours)
    ax.errorbar(t["value"], range(len(t)), xerr=[t["value"] - t["lower"], t["upper"] - t["value"]], fmt="none",
                ecolor="black", elinewidth=1, capsize=3)
    if not eng.empty:
        ev = float(eng["value"].iloc[0])
        ax.axvline(ev, color=PALETTE[1], linestyle="--", linewidth=1.5)
        ax.text(ev, len(t) - 0.4, f" England {ev:.0%}" if percent else f" England {ev:,.0f}", color=PALETTE[1],
                fontsize=8.5, va="bottom")
    if percent:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    _titles(ax, title, subtitle)
    return _finish(fig, source)


def funnel_chart(limits: pd.DataFrame, points: pd.DataFrame, highlight: str, unit: str, indicator: str,
                 source: str) -> Chart:
    """Funnel plot: each place's rate against its population, with 95% and 99.8% control limits."""
    fig, ax = _figure()
    # The axes fit the places: limits are drawn over their population range only (at tiny populations the
    # upper limit runs off to hundreds of thousands per 100,000 and would flatten every point).
    x_lo, x_hi = points["denominator"].min() * 0.5, points["denominator"].max() * 1.5
    ys = [points["value"]]
    for lim, style in (("2s", "--"), ("3s", ":")):
        for side in ("lower", "upper"):
            x = limits[f"{side}_{lim}_population_1_year"]
            y = limits[f"{side}_{lim}_limit"]
            ok = (x >= x_lo) & (x <= x_hi)
            ys.append(y[ok])
            ax.plot(x[ok], y[ok], color=FOCUS[1], linestyle=style, linewidth=1,
                    label=f"{'95%' if lim == '2s' else '99.8%'} limits" if side == "lower" else None)
    y_all = pd.concat(ys)
    pad = (y_all.max() - y_all.min()) * 0.08 or abs(float(y_all.max())) * 0.1 or 1.0
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(max(0.0, y_all.min() - pad), y_all.max() + pad)
    ax.axhline(float(limits["baseline"].iloc[0]), color=PALETTE[1], linewidth=1, label="average of the places compared")
    colours = [FOCUS[0] if p == highlight else PALETTE[0] for p in points["place"]]
    ax.scatter(points["denominator"], points["value"], color=colours, zorder=3)
    for _, r in points.iterrows():
        if r["place"] == highlight:
            ax.annotate(r["place"], (r["denominator"], r["value"]), textcoords="offset points", xytext=(6, 6),
                        fontsize=8.5)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v / 1e6:.1f}m" if v >= 1e6 else f"{v / 1e3:.0f}k"))
    ax.set_xlabel("population")
    ax.set_ylabel(unit)
    ax.legend(loc="upper right", frameon=False, fontsize=8.5)
    sig = points.loc[points["place"] == highlight, "significance"]
    where = "inside" if len(sig) and sig.iloc[0] == "Not significant" else "outside"
    out = int((points["significance"] != "Not significant").sum())
    wide = " (limits this narrow at these populations mean real differences between places, not chance)" \
        if out > len(points) / 2 else ""
    _titles(ax, f"{highlight} lies {where} the funnel; {out} of {len(points)} places compared lie outside it",
            f"{indicator} against population; 95% (dashed) and 99.8% (dotted) limits around the average of the "
            f"places compared{wide}")
    return _finish(fig, source)


def trend_chart(tr: pd.DataFrame, unit: str, title: str, subtitle: str, source: str) -> Chart:
    """Indicator by period with 95% confidence bands, one line per place (place first, then England)."""
    fig, ax = _figure()
    for name, g in tr.groupby("place", sort=False):
        colour = PALETTE[0] if name != "England" else FOCUS[1]
        ax.plot(g["period"], g["value"], marker="o", color=colour, linewidth=2, label=name)
        ax.fill_between(g["period"], g["lower"], g["upper"], color=colour, alpha=0.15)
    ax.set_ylabel(unit)
    ax.legend(loc="upper left", frameon=False)
    _titles(ax, title, subtitle)
    return _finish(fig, source)


def share_comparison_chart(sah: pd.DataFrame, place: str, price_year: str) -> Chart:
    """Alcohol's share against drugs' share of intervention spend and of each harm (100% bars)."""
    harm = alcohol.harm_share(sah)
    known = known_rows(sah, ("alcohol", "drugs"), "measure")
    if isinstance(known, Missing):
        return known
    t = known.assign(drugs_share=1 - known["alcohol_share"])[["measure", "alcohol_share", "drugs_share"]]
    t = t.rename(columns={"alcohol_share": "alcohol", "drugs_share": "drugs"})
    spend = float(t["alcohol"].iloc[0])
    if len(t) < 2:  # no harm with both substances known: the comparison has nothing to compare with
        return Missing("no harm is known for both alcohol and drugs here, so shares of harm cannot be compared. "
                       + (harm.reason if isinstance(harm, Missing) else ""))
    headline = (f"Alcohol gets {fmt.share(spend, 0)} of the money but causes {fmt.share(harm, 0)} of the cost of harm"
                if not isinstance(harm, Missing) else f"Alcohol gets {fmt.share(spend, 0)} of the intervention money")
    return stacked_bars(
        t, "measure", ["alcohol", "drugs"],
        title=headline,
        subtitle=f"{place}, {price_year}: shares of intervention spend and of each harm, alcohol vs "
                 f"drugs{partial_note(known)}",
        source="Spend and activity tables; cost of harm built in this report", money=False,
    )


def cost_tree_chart(tree: pd.DataFrame, place: str, price_year: str) -> Chart:
    """The cost of alcohol harm as a tree: each component's bar, grouped by the agency that bears it."""
    t = tree.assign(label=tree["agency"] + ": " + tree["component"], amount_gbp=tree["cost_gbp"])
    by = tree.groupby("agency")["cost_gbp"].sum().sort_values(ascending=False)
    return hbar_money(
        t, "label",
        title=f"Alcohol harm costs public services in {place} {fmt.money(by.sum())} a year; "
              f"{by.index[0]} bears {fmt.share(by.iloc[0] / by.sum(), 0)}",
        subtitle=f"Cost of alcohol harm by agency and component, £ at {price_year} prices (components add up "
                 f"to the total){partial_note(tree)}",
        source="Department of Health (2012) NHS cost of alcohol harm 2009/10; Home Office (2018); DWP; assumptions "
               "as stated",
    )


def cohort_cost_chart(by_age: pd.DataFrame, place: str, births: float, price_year: str) -> Chart:
    """Present-value cost of one birth cohort by age, universal vs targeted services (stacked bars)."""
    fig, ax = _figure()
    bottom = None
    cols = [c for c in by_age.columns if c != "age"]
    for i, col in enumerate(cols):
        ax.bar(by_age["age"], by_age[col], bottom=bottom, color=PALETTE[i], label=col)
        bottom = by_age[col] if bottom is None else bottom + by_age[col]
    money_axis(ax, "y")
    ax.set_xticks(range(0, int(by_age["age"].max()) + 1))
    ax.set_xlabel("age (years)")
    ax.legend(loc="upper right", frameon=False)
    total = float(by_age[cols].to_numpy().sum())
    _titles(ax, f"One year's {births:,.0f} births in {place} will cost {fmt.money(total)} by age 18",
            f"Present value at birth of public spend on the cohort by age, £ at {price_year} prices")
    return _finish(fig, source="Cohort model (data/reference/cohort_model.yaml) x unit costs; place spend per child")


def hex_map_chart(layout: pd.DataFrame, values: pd.DataFrame, codes: tuple[str, ...], place: str,
                  what: str, period: str, source: str) -> Chart:
    """England's upper-tier authorities as equal hexagons coloured by ``values['per_head_gbp']`` (£ a
    resident), the place outlined; titled with where the place ranks."""
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import RegularPolygon

    from .geography import hex_centres

    h = hex_centres(layout).merge(values[["area_code", "per_head_gbp"]], on="area_code", how="left")
    known = h["per_head_gbp"].dropna()
    lo, hi = float(known.quantile(0.02)), float(known.quantile(0.98))
    cmap = mpl.colormaps["Blues"]
    fig, ax = _figure((7.5, 8.2))
    unit = RegularPolygon((0, 0), numVertices=6, radius=1.0, orientation=0)
    corners = unit.get_patch_transform().transform(unit.get_path().vertices[:-1])
    colours = ["#e5e5e5" if pd.isna(v) else cmap(0.15 + 0.85 * min(1.0, max(0.0, (v - lo) / (hi - lo or 1))))
               for v in h["per_head_gbp"]]
    mine = h["area_code"].isin(codes).to_numpy()
    for outlined, edge, width in ((False, "white", 0.6), (True, "#F46A25", 3)):  # one collection each: the
        which = np.flatnonzero(mine == outlined)  # place's hexagons drawn last, over their neighbours' edges
        ax.add_collection(PolyCollection([corners + (h["x"].iat[i], h["y"].iat[i]) for i in which],
                                         facecolors=[colours[i] for i in which], edgecolors=edge, linewidths=width,
                                         joinstyle="miter", zorder=3 if outlined else 2), autolim=False)
    ax.set_xlim(h["x"].min() - 1.5, h["x"].max() + 1.5)
    ax.set_ylim(h["y"].min() - 1.5, h["y"].max() + 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    sm = mpl.cm.ScalarMappable(cmap=cmap, norm=mpl.colors.Normalize(lo, hi))
    bar = fig.colorbar(sm, ax=ax, fraction=0.035, pad=0.02)
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt.money_tick(v)))
    bar.set_label(f"{what}, £ a resident")
    mine = values[values["area_code"].isin(codes)]
    ranked = values.sort_values("per_head_gbp", ascending=False).reset_index(drop=True)
    if len(mine) == 1:
        rank = int(ranked.index[ranked["area_code"] == mine["area_code"].iloc[0]][0]) + 1
        title = (f"{place} ranks {fmt.ordinal(rank)} of {len(ranked)} authorities on {what.lower()} a resident "
                 f"({fmt.money(float(mine['per_head_gbp'].iloc[0]))})")
    else:
        title = f"{place} (outlined) among England's authorities: {what.lower()} a resident"
    missing = int(h["per_head_gbp"].isna().sum())
    years = sorted(set(values["population_year"]))
    residents = f"residents mid-{years[0]}" if len(years) == 1 else f"residents mid-{years[0]} to mid-{years[-1]}"
    _titles(ax, title, f"{what} per resident ({residents}), {period}; one hexagon per upper-tier authority, "
                       f"{place} outlined"
                       + (f"; grey: {missing} with no figure (e.g. reorganised since 2014)" if missing else ""))
    return _finish(fig, source=f"{source}; hex layout Open Innovations (MIT), ONS codes")


def benchmark_chart(bench: pd.DataFrame, place: str, indicator: str, period: str) -> Chart:
    """An indicator across the places compared with 95% CIs, titled with how the place compares with England."""
    row = bench[bench["place"] == place].iloc[0]
    unit = str(row["unit"])
    percent = unit == "proportion"
    value = fmt.share(row["value"], 0) if percent else f"{row['value']:,.0f} {unit}"
    verdict = benchmark.versus_england(bench, str(row["slug"]))
    return ci_chart(bench, place, title=f"{place}: {value}, {verdict}",
                    subtitle=f"{indicator}, {period}, with 95% confidence intervals",
                    source=str(row["source"]), percent=percent)


def looked_after_chart(lac: pd.DataFrame, place: str, price_year: str) -> Chart:
    """Cost a year of children looked after, by placement type."""
    top = lac.sort_values("amount_gbp", ascending=False).iloc[0]
    return hbar_money(
        lac.assign(label=lac["placement"] + " (" + lac["children"].map("{:,.0f}".format) + " children)"), "label",
        title=f"{fmt.count(lac['children'].sum())} children in care in {place} cost "
              f"{fmt.money(lac['amount_gbp'].sum())} a year; {top['placement']} is {fmt.share(top['share'], 0)}",
        subtitle=f"Cost a year by placement type, £ at {price_year} prices (children x unit cost a year)",
        source="Activity table x Unit Cost Database placement costs",
    )


def savings_share_chart(red: pd.DataFrame, target: float = 0.02) -> Chart:
    """Each redesign's net fiscal saving a year as a share of its theme's spend, against the 2% benchmark."""
    t = red.assign(case=red["place"] + " - " + red["theme"].str.replace("_", " "))
    n = int((t["saving_share_of_theme_spend"] >= target).sum())
    return peer_bars(
        t, "saving_share_of_theme_spend", "case", highlight="",
        title=f"{n} of {len(t)} redesign cases would save {target:.0%} of their theme's spend or more",
        subtitle="Net fiscal saving a year (equivalent annual) as a share of the theme's spend in the place",
        source="Recorded figures of every theme report (reports/<place>/<theme>.json)",
        reference=target, reference_label=f"{target:.0%} (Total Place final report)", money=False,
    )


def pilots_per_head_chart(overview: pd.DataFrame) -> Chart:
    """Spend per head of every pilot (synthesis), pooled average marked."""
    pooled = overview["total_spend_gbp"].sum() / overview["population"].sum()
    hi, lo = overview["spend_per_head_gbp"].max(), overview["spend_per_head_gbp"].min()
    return peer_bars(overview, "spend_per_head_gbp", "place", highlight="",
                     title=f"Public spend per head ranges from {fmt.money(lo)} to {fmt.money(hi)} across the pilots",
                     subtitle="Public spend per resident by pilot, £", source="Place overview records",
                     reference=pooled, reference_label=f"pooled average {fmt.money(pooled)}")


guard(globals())
