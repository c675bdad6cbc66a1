"""A real browser: headless Chromium opens the index and a report, takes screenshots and checks what a reader sees.

Chromium is Debian's ``chromium`` package (``make chromium`` installs it when missing). The test talks
to it over the DevTools protocol (``websocket-client``) to ask the page itself whether its images
loaded and whether any code is visible. It skips, saying why, only where Chromium is not installed.
"""

from __future__ import annotations

import re

import pytest
from chromium import CHROMIUM, Browser

from totalplace_lib.batch import runner

pytestmark = pytest.mark.slow

IMAGES_OK = """(() => { const imgs = Array.from(document.images);
  return {count: imgs.length,
          broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length,
          hidden: imgs.filter(i => { const r = i.getBoundingClientRect();
                                     return r.width < 50 || r.height < 50 ||
                                            getComputedStyle(i).visibility === 'hidden'; }).length,
          alt_missing: imgs.filter(i => !i.alt).length}; })()"""
CODE_VISIBLE = """(() => Array.from(
  document.querySelectorAll('.jp-CodeCell .jp-InputArea, .jp-InputArea-editor, .jp-CodeMirrorEditor, .input_area'))
  .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height > 0).length)()"""
TEXT = "document.body.innerText"
LINKS = "Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"
IMAGES_ALT = "Array.from(document.images).map(i => i.alt).join(\" | \")"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (run `make chromium`; Debian package 'chromium')")
    out = tmp_path_factory.mktemp("site")
    mp = pytest.MonkeyPatch()
    mp.setenv("TOTALPLACE_REPORTS_DIR", str(out))
    summary = runner.run_batch(["croydon"], ["place", "early_years"], jobs=2, progress=False)
    mp.undo()
    assert summary.exit_code == 0, [r.error for r in summary.results]
    browser = Browser(tmp_path_factory.mktemp("profile"))
    yield out, browser
    browser.close()


def test_index_links_all_resolve_in_the_browser(site):
    out, b = site
    b.open((out / "index.html").as_uri())
    b.screenshot(out / "index.png")
    assert (out / "index.png").stat().st_size > 10_000
    assert "Total Place reports" in b.eval(TEXT)
    links = [h for h in b.eval(LINKS) if not h.startswith("#")]
    assert any(h.endswith("early_years.html") for h in links) and "synthesis.html" in links
    for href in links:
        target = (out / href).resolve()
        assert target.exists(), f"index links to missing {href}"
        b.open(target.as_uri())
        assert b.eval("document.title"), href
        assert "404" not in b.eval("document.title")


def test_report_shows_figures_and_no_code(site):
    out, b = site
    b.open((out / "croydon" / "early_years.html").as_uri())
    b.screenshot(out / "early_years.png")
    text = b.eval(TEXT)
    assert "Key findings" in text and "Sources and method" in text
    assert "validate_run" not in text and "import " not in text
    assert "&nbsp;" not in text and "&amp;" not in text  # escaped data, not escaped layout
    imgs = b.eval(IMAGES_OK)
    assert imgs["count"] >= 8
    assert imgs["broken"] == 0 and imgs["hidden"] == 0 and imgs["alt_missing"] == 0, imgs
    assert b.eval(CODE_VISIBLE) == 0
    assert re.search(r"£[\d.,]+m", text), "money should read as money"


def _public_page(b, tmp_path_factory, area: str, theme: str, year: int):
    """Run one report on the public data into a fresh folder, open it in the browser (with a screenshot beside it)
    and return the folder and the page's text."""
    out = tmp_path_factory.mktemp(f"public-{theme}")
    mp = pytest.MonkeyPatch()
    mp.setenv("TOTALPLACE_REPORTS_DIR", str(out))
    summary = runner.run_batch([area], [theme], jobs=1, dataset="public", year=year, progress=False)
    mp.undo()
    assert summary.exit_code == 0, [r.error for r in summary.results]
    page = next(out.glob(f"public*/*/{theme}.html"))  # public/, or public-current/ for a place only it holds
    b.open(page.as_uri())
    b.screenshot(out / f"{area.lower()}-{theme}.png")
    return out, b.eval(TEXT)


def test_public_report_reads_with_real_numbers_and_plain_gaps(site, public_data, tmp_path_factory):
    """Luton on the publishers' own files: real figures, each gap boxed with its reason, index links resolve."""
    _, b = site
    out, text = _public_page(b, tmp_path_factory, "E06000032", "early_years", 2020)
    # 2020/21 (the default is the latest year the data support): DfE's 375 at 31 March 2021
    assert "Real public data" in text and "375 children are looked after" in text
    assert "nan" not in text.split() and "&nbsp;" not in text and "&amp;" not in text
    count_section = text.split("The count: spend on children under six")[2].split("One birth cohort")[0]
    assert "Not available for this place." not in count_section and "£" in count_section  # the real count's lines
    cohort_section = text.split("One birth cohort to age 18")[-1].split("Looked-after children")[0]
    assert "Not available for this place." not in cohort_section  # sized from the births estimate
    assert "estimated: ONS mid-2020 population aged 0" in text  # the estimate's method, in Sources
    assert b.eval(CODE_VISIBLE) == 0
    imgs = b.eval(IMAGES_OK)
    assert imgs["count"] >= 2 and imgs["broken"] == 0 and imgs["alt_missing"] == 0, imgs
    b.open((out / "public" / "index.html").as_uri())
    links = [h for h in b.eval(LINKS) if h.endswith(".html")]
    assert links and all((out / "public" / h).resolve().exists() for h in links), links


LAYOUT = """(() => { const imgs = Array.from(document.querySelectorAll('.jp-RenderedImage img'));
  const tables = Array.from(document.querySelectorAll('.jp-RenderedHTMLCommon table'));
  return {page: document.documentElement.scrollWidth, view: window.innerWidth,
          scale: Math.min(...imgs.map(i => i.getBoundingClientRect().width / i.naturalWidth)),
          wide_tables: tables.filter(t => t.scrollWidth > t.clientWidth + 1).length,
          unscrollable: tables.filter(t => t.scrollWidth > t.clientWidth + 1
                                          && getComputedStyle(t).overflowX !== 'auto').length}; })()"""


@pytest.mark.parametrize("width", [390, 1400])
def test_reports_read_on_a_phone_and_a_laptop(site, width, tmp_path):
    """Issue 19: at 390 px charts shrank to a third and tables overflowed with no cue. Now the page never
    scrolls sideways, every chart keeps at least 70% of its drawn size (labels stay readable) and a
    wide table scrolls inside the page with a shadow cue."""
    out, b = site
    b.call("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1,
           mobile=width < 700)
    try:
        b.open((out / "croydon" / "early_years.html").as_uri())
        b.screenshot(tmp_path / f"early-years-{width}.png")
        lay = b.eval(LAYOUT)
    finally:
        b.call("Emulation.clearDeviceMetricsOverride")
    assert lay["page"] <= lay["view"] + 1, lay  # no horizontal page overflow
    assert lay["scale"] >= 0.7, lay
    assert lay["unscrollable"] == 0, lay


def _reads_cleanly(b, text: str, charts: int) -> None:
    """The open page shows no raw NaN or escaped entities and no code, and at least ``charts`` charts, every one
    loaded, visible and with alt text."""
    assert "nan" not in text.split() and "&nbsp;" not in text and "&amp;" not in text
    assert b.eval(CODE_VISIBLE) == 0
    imgs = b.eval(IMAGES_OK)
    assert imgs["count"] >= charts and imgs["broken"] == 0 and imgs["hidden"] == 0 and imgs["alt_missing"] == 0, imgs


def test_a_file_theme_report_reads_in_the_browser(site, public_data, tmp_path_factory):
    """Durham's housing theme (a file, params/themes/housing.yaml): findings, every chart loaded with alt text,
    no code, no raw NaN, the definition and the sources a stranger needs; the index links to it."""
    _, b = site
    out, text = _public_page(b, tmp_path_factory, "durham", "housing", 2023)
    assert "Key findings" in text and "What the theme counts" in text and "Sources and method" in text
    assert "In:" in text and "Out:" in text and "Why:" in text
    assert "In 2023/24 the public bodies serving Durham spent" in text
    _reads_cleanly(b, text, charts=5)
    b.open((out / "public" / "index.html").as_uri())
    assert "durham/housing.html" in b.eval(LINKS)


def test_a_place_on_current_boundaries_reads_in_the_browser(site, public_data, tmp_path_factory):
    """Cumberland (made in 2023 from part of Cumbria): the count for 2024/25, what it is made of, its map among
    the North West's 2023 districts and its series since 2009/10; every chart loaded with alt text, no code."""
    _, b = site
    out, text = _public_page(b, tmp_path_factory, "Cumberland", "place", 2024)
    assert "Public bodies spent £3.6bn in Cumberland in 2024/25" in text
    assert "April 2023: formed from Allerdale, Carlisle and Copeland" in text
    assert "Where Cumberland is" in b.eval(IMAGES_ALT) and "2009/10" in text
    _reads_cleanly(b, text, charts=7)
    b.open((out / "public-current" / "index.html").as_uri())
    assert "e06000063/place.html" in b.eval(LINKS)
