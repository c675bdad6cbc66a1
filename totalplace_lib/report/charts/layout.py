"""The house chart style and the machinery every chart shares: the Analysis Function style and palette
(``afcharts``), figures drawn by Agg outside pyplot, text measured once, titles that wrap to the plotting
area, a source line, legends kept off the data, and :class:`Chart` (a figure with alt text, shown once as a
PNG). The charts themselves are in the modules beside this one."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.style  # noqa: F401  (mpl.style)
import numpy as np
from afcharts.af_colours import get_af_colours
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from totalplace_lib.core import compat, fmt
from totalplace_lib.core.gaps import passes_gaps
from totalplace_lib.core.schema import STAGES

_STYLE_APPLIED = False


PNG_LEVEL = 3
"""deflate level of the charts' PNGs (:func:`png_bytes`): 6 makes them 7% smaller and takes half as long again."""


PALETTE = get_af_colours("categorical", number_of_colours=6)


FOCUS = get_af_colours("focus")  # [highlight, grey]


STAGE_COLOURS = dict(zip(STAGES, get_af_colours("sequential", number_of_colours=4)[::-1], strict=True))


@passes_gaps
def apply_style() -> None:
    """Apply the Analysis Function chart style once (fixed size and DPI for reproducible output)."""
    global _STYLE_APPLIED
    if _STYLE_APPLIED:
        return
    mpl.style.use("afcharts.afcharts")
    mpl.rcParams.update({"figure.figsize": (8.5, 4.8), "figure.dpi": 100, "savefig.dpi": 100,
                         "axes.titlesize": 13, "axes.titleweight": "bold", "axes.titlelocation": "left"})
    _STYLE_APPLIED = True


def reset_style() -> None:
    """Forget that the style was applied, so the next chart applies it afresh (after ``matplotlib.rcdefaults()``
    between reports in one kernel)."""
    global _STYLE_APPLIED
    _STYLE_APPLIED = False


def new_figure(figsize: tuple[float, float] | None = None):
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
        key = (s, compat.font_files(prop), prop.get_size_in_points(), self.dpi,
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
        return compat.agg_renderer(self, _Renderer)


@passes_gaps
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
        return self.fig.get_tightbbox(renderer_of(self.fig)).padded(mpl.rcParams["savefig.pad_inches"])

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


@passes_gaps
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


def set_titles(ax, title: str, subtitle: str) -> None:
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
    renderer = renderer_of(fig)
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


def renderer_of(fig):
    """A renderer to measure a figure's artists with, whatever canvas the figure has (Agg in reports)."""
    return compat.figure_renderer(fig)


@passes_gaps
def legend_overlaps_data(ax, renderer=None) -> bool:
    """True if the axes' legend covers any plotted data: a line's or scatter's points, a bar, a shaded area
    or a label drawn on the plot (display coordinates, as the chart is drawn)."""
    leg = ax.get_legend()
    if leg is None:
        return False
    renderer = renderer or renderer_of(ax.figure)
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
    renderer = renderer_of(fig)
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


def finish(fig, source: str) -> Chart:
    """Source line, titles, one layout (two if a legend had to move off the data or something spilled past
    the figure's edge): the finished chart."""
    line = fig.text(0.01, 0.005, "", fontsize=8, color="#3D3D3D", ha="left", va="bottom")
    # wrapped here, once: matplotlib's own wrap=True measured the line word by word at every draw
    line.set_text(_wrap(f"Source: {source}", line, fig.bbox.width * 0.98 - 6, renderer_of(fig)))
    _fit_titles(fig)
    _layout(fig)
    renderer = renderer_of(fig)
    boxes = _axis_boxes(fig, renderer)
    if _legends_off_data(fig) or _spills(fig, renderer, boxes):
        _layout(fig)
        boxes = _axis_boxes(fig, renderer)  # the layout moved them: measure again
    for ax in _titled(fig):  # numeric labels may have changed with the plotting area's height
        _align_titles(ax, boxes[ax][1])
    return Chart(fig, *fig._tp_titles)
