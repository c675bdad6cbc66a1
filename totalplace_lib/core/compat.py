"""Workarounds for upstream libraries, in one place, each naming the behaviour it works around.

Every use of another library's private API, and every patch of one, is here and nowhere else. Each has a
test in ``tests/unit/test_compat.py`` that fails loudly when an upgrade makes it unnecessary or breaks it,
so a workaround is never kept past its need nor silently lost:

* :func:`skip_iri_grammars`: jsonschema's optional ``rfc3987_syntax`` import (3 s on every batch start);
* :func:`skip_html_reparse`: nbconvert's HTML exporter reparsing each whole page with BeautifulSoup;
* :func:`record_kernel_info`: jupyter_client's private ``_handle_kernel_info_reply``;
* :func:`font_files`, :func:`agg_renderer`, :func:`figure_renderer`: matplotlib's private font lookup,
  Agg canvas renderer cache and figure renderer.

The libraries are imported inside the functions, so importing this module costs nothing; importing it
applies :func:`skip_iri_grammars` (the batch imports it before nbformat and papermill).
"""

from __future__ import annotations

import sys
from typing import Any


def skip_iri_grammars() -> None:
    """Block ``rfc3987_syntax``: jsonschema imports it, when installed (jupyterlab's dependencies install it),
    to check 'iri' string formats, compiling about 40 grammars -- about 3 s on every batch start. Notebook
    schemas use no such format, so papermill and nbformat validate notebooks exactly as before."""
    sys.modules.setdefault("rfc3987_syntax", None)


class UnparsedPage:
    """Stands in for BeautifulSoup in nbconvert's HTML exporter, which parses each report's whole page (about
    a fifth of the batch process's time) only to give images without alt text a placeholder and make cells
    focusable: the report's renderer does both on the page as rendered, giving each chart its own alt text."""

    def __init__(self, markup: str, features: str | None = None) -> None:
        self.markup = markup

    def select(self, selector: str) -> list:
        return []

    def __str__(self) -> str:
        return self.markup


def skip_html_reparse() -> bool:
    """Make nbconvert's HTML exporter hand its page on unparsed (``nbconvert.exporters.html.BeautifulSoup``,
    nbconvert 7). True if applied; False if this nbconvert does not parse the page that way."""
    import nbconvert.exporters.html as nbconvert_html

    if not hasattr(nbconvert_html, "BeautifulSoup"):
        return False
    nbconvert_html.BeautifulSoup = UnparsedPage
    return True


def record_kernel_info(client: Any, reply: dict) -> None:
    """Let a jupyter_client kernel client take in a kernel_info reply as its own ``wait_for_ready`` does
    (it adapts the message protocol version), through the private ``_handle_kernel_info_reply``: a client
    that waits for readiness its own way must do the same."""
    client._handle_kernel_info_reply(reply)


def font_files(prop: Any) -> tuple:
    """The font files matplotlib draws a font property with (private ``FontManager._find_fonts_by_props``,
    matplotlib 3.6 on), the part of a text's size key that says which glyphs it has."""
    from matplotlib import font_manager

    return tuple(font_manager.fontManager._find_fonts_by_props(prop))


def agg_renderer(canvas: Any, renderer_class: type) -> Any:
    """An Agg canvas's renderer made with ``renderer_class``, kept while the figure's size and resolution are
    the same: what ``FigureCanvasAgg.get_renderer`` does with its private ``_lastKey``, with our class."""
    key = (*canvas.figure.bbox.size, canvas.figure.dpi)
    if canvas._lastKey != key:
        canvas.renderer = renderer_class(*key)
        canvas._lastKey = key
    return canvas.renderer


def figure_renderer(fig: Any) -> Any:
    """A renderer to measure a figure's artists with, whatever canvas the figure has: the canvas's own
    (Agg in reports) or the figure's private ``_get_renderer`` (other backends)."""
    get = getattr(fig.canvas, "get_renderer", None)
    return get() if get else fig._get_renderer()


skip_iri_grammars()
