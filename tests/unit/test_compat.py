"""Each workaround in :mod:`totalplace_lib.core.compat` still works around something, and still works.

A failure here means an upgrade changed the library underneath: read the workaround's docstring, then drop
it (the upstream behaviour is gone) or mend it (the private API moved).
"""

from __future__ import annotations

import subprocess
import sys

from totalplace_lib.core import compat


def test_jsonschema_would_still_compile_the_iri_grammars_without_the_block():
    # unnecessary once jsonschema stops importing rfc3987_syntax, or once it is no longer installed
    import importlib.util
    import inspect

    import jsonschema._format as fmt

    assert "from rfc3987_syntax import" in inspect.getsource(fmt), \
        "jsonschema no longer imports rfc3987_syntax: drop compat.skip_iri_grammars"
    probe = "import importlib.util, sys; print(importlib.util.find_spec('rfc3987_syntax') is not None)"
    installed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert installed.stdout.strip() == "True", "rfc3987_syntax is not installed: drop compat.skip_iri_grammars"
    assert importlib.util.find_spec("jsonschema") is not None


def test_with_the_block_notebooks_still_validate():
    # in a fresh process, as a batch starts: the block first, then nbformat validates as before
    probe = """
import sys
import totalplace_lib.core.compat
import nbformat
assert sys.modules["rfc3987_syntax"] is None
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
nbformat.validate(nb)
nb.cells[0]["execution_count"] = "one"
try:
    nbformat.validate(nb)
except nbformat.ValidationError:
    print("invalid notebook refused")
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "invalid notebook refused"


def test_nbconvert_still_reparses_its_page_and_the_stand_in_passes_it_through():
    import inspect

    import nbconvert.exporters.html as nbconvert_html

    source = inspect.getsource(nbconvert_html.HTMLExporter.from_notebook_node)
    assert "BeautifulSoup(html" in source and ".select(" in source, \
        "nbconvert no longer reparses the page with BeautifulSoup: drop compat.skip_html_reparse"
    assert compat.skip_html_reparse() is True
    assert nbconvert_html.BeautifulSoup is compat.UnparsedPage
    page = compat.UnparsedPage("<p>£1 & <img src='x.png'></p>", features="html.parser")
    assert str(page) == "<p>£1 & <img src='x.png'></p>" and page.select("img:not([alt])") == []


def test_the_report_exporter_still_gives_every_chart_alt_text():
    # what nbconvert's parse did is done by the renderer: an image keeps the alt text it was given
    import nbformat

    from totalplace_lib.report import render

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})])])
    html = render.notebook_html(nb)
    assert "<img" in html and 'alt="' in html


def test_jupyter_clients_private_kernel_info_handler_still_adapts_the_protocol():
    from jupyter_client.blocking import BlockingKernelClient

    client = BlockingKernelClient()
    assert hasattr(client, "_handle_kernel_info_reply"), "jupyter_client renamed _handle_kernel_info_reply"
    compat.record_kernel_info(client, {"content": {"protocol_version": "4.1"}})
    assert client.session.adapt_version == 4  # an older kernel's protocol is adapted to, as upstream does


def test_matplotlibs_private_font_lookup_still_names_the_files():
    from matplotlib.font_manager import FontProperties

    files = compat.font_files(FontProperties(family="sans-serif", size=10))
    assert files and all(str(f).endswith((".ttf", ".otf", ".ttc")) for f in files)


def test_the_agg_canvas_still_caches_its_renderer_by_size_as_we_do():
    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
    from matplotlib.figure import Figure

    assert "_lastKey" in vars(FigureCanvasAgg), "FigureCanvasAgg no longer keeps _lastKey: mend compat.agg_renderer"

    class Counting(RendererAgg):
        made = 0

        def __init__(self, *args):
            super().__init__(*args)
            Counting.made += 1

    fig = Figure(figsize=(2, 1), dpi=50)
    canvas = FigureCanvasAgg(fig)
    first = compat.agg_renderer(canvas, Counting)
    assert compat.agg_renderer(canvas, Counting) is first and Counting.made == 1
    fig.set_size_inches(3, 1)
    assert compat.agg_renderer(canvas, Counting) is not first and Counting.made == 2
    assert canvas.get_renderer() is canvas.renderer  # upstream's own method still reads the same cache


def test_a_figure_without_an_agg_canvas_is_measured_with_its_private_renderer():
    from matplotlib.backend_bases import FigureCanvasBase
    from matplotlib.figure import Figure

    fig = Figure()
    FigureCanvasBase(fig)
    assert hasattr(fig, "_get_renderer"), "matplotlib removed Figure._get_renderer: mend compat.figure_renderer"
    assert compat.figure_renderer(fig) is not None
