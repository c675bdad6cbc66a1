"""The analyst in JupyterLab, in a real browser: JupyterLab started on localhost on the working copies (as
``make lab`` does), headless Chromium driving it over DevTools.

Run All completes with no error output for each notebook on the sample; picking a real authority on public
data from the list at the top re-runs the whole notebook for it; moving a slider changes the NPV shown; and
the committed notebooks are unchanged afterwards, however much was run and saved. Skips, saying why, only
where Chromium is not installed (and the public-data part where ``../shared`` is absent).
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from chromium import CHROMIUM, Browser

from totalplace_lib.batch import workspace
from totalplace_lib.core import paths
from totalplace_lib.data import places

pytestmark = pytest.mark.slow
NOTEBOOKS = ("place", "offenders", "early_years", "alcohol")
STATE = """const cells = w.content.widgets.filter(c => c.model.type === 'code'); const errors = [];
  for (const c of cells) for (const o of c.model.outputs.toJSON())
    if (o.output_type === 'error') errors.push(o.ename + ': ' + o.evalue);
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  const shown = [];  // what the notebook shows, from its model (off-screen cells are not drawn)
  for (const c of w.content.widgets) {
    if (c.model.type === 'markdown') shown.push(c.model.sharedModel.getSource());
    if (c.model.type !== 'code') continue;
    for (const o of c.model.outputs.toJSON()) {
      const d = o.data || {}; shown.push(o.text || d['text/html'] || d['text/markdown'] || d['text/plain'] || '');
      if (o.traceback) shown.push(o.traceback.join('\\n'));
    }
  }
  return {status: k ? k.status : 'starting', counts: cells.map(c => c.model.executionCount || 0), errors,
          text: shown.flat().join('\\n')};"""
NPV = """const h = Array.from(w.node.querySelectorAll('.widget-html-content')).find(e => e.textContent.includes('NPV'));
  return h ? h.textContent : null;"""


def _default_place(theme: str) -> str:
    """Name of the place a notebook's parameters cell reports on."""
    import papermill as pm

    slug = pm.inspect_notebook(str(paths.notebooks_dir() / f"{theme}.ipynb"))["area"]["default"].strip("\"'")
    return places.load_place(slug).name


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.ipynb"))}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """One JupyterLab page; ``js(body)`` runs ``body`` with ``w`` bound to the open notebook's panel."""

    def __init__(self, browser: Browser, base: str):
        self.b, self.base, self.name = browser, base, ""

    def js(self, body: str):
        panel = f"""(() => {{ const a = window.jupyterapp; if (!a) return null;
          for (const w of a.shell.widgets('main')) if (w.context && w.context.path === {json.dumps(self.name)})
            return w; return null; }})()"""
        return self.b.eval(f"(() => {{ const w = {panel}; if (!w) return null; {body} }})()")

    def open(self, name: str) -> None:
        """Open a notebook (as from the file browser) or bring its tab to the front, and wait for its kernel."""
        self.name = name
        self.b.eval(f"window.jupyterapp.commands.execute('docmanager:open', {{path: {json.dumps(name)}}}); true")
        self.wait(lambda s: s["status"] == "idle", f"{name}: kernel never became idle")

    def state(self) -> dict:
        return self.js(STATE)

    def wait(self, done, message: str, timeout: float = 300) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s = self.state()
            if s and (s["errors"] or done(s)):
                return s
            time.sleep(0.3)
        raise TimeoutError(message)

    def command(self, name: str) -> None:
        """Run a JupyterLab command on this notebook, as its menu item does. Its promise is not awaited
        (DevTools fails a call whose awaited promise the page collects): callers wait for what it does."""
        self.js(f"window.jupyterapp.shell.activateById(w.id); window.jupyterapp.commands.execute({json.dumps(name)});"
                "return true;")

    def run_all(self) -> dict:
        """Run ▸ Run All Cells; wait until every code cell has run again and the kernel is idle."""
        before = max(self.state()["counts"])
        self.command("notebook:run-all-cells")
        return self.ran_after(before)

    def ran_after(self, before: int) -> dict:
        return self.wait(lambda s: s["status"] == "idle" and min(s["counts"]) > before,
                         f"{self.name}: Run All did not finish")

    def choose(self, label: str, option: str) -> None:
        """Choose ``option`` (its visible text) in the dropdown labelled ``label``, as a person would."""
        found = self.js(f"""const d = Array.from(w.node.querySelectorAll('.widget-dropdown'))
            .find(e => e.querySelector('label') && e.querySelector('label').textContent === {json.dumps(label)});
          if (!d) return 'no dropdown'; const s = d.querySelector('select');
          const o = Array.from(s.options).find(o => o.textContent === {json.dumps(option)});
          if (!o) return 'no option'; s.value = o.value; s.dispatchEvent(new Event('change', {{bubbles: true}}));
          return 'ok';""")
        assert found == "ok", f"{label}: {found}"

    def click(self, text: str) -> None:
        clicked = self.js(f"""const b = Array.from(w.node.querySelectorAll('button'))
            .find(e => e.textContent.includes({json.dumps(text)})); if (!b) return false; b.click(); return true;""")
        assert clicked, f"no button '{text}'"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not CHROMIUM:
        pytest.skip("Chromium is not installed (run `make chromium`; Debian package 'chromium')")
    home = tmp_path_factory.mktemp("lab")
    committed = _digests(paths.notebooks_dir())
    workspace.prepare(home / "lab")
    port, token = _free_port(), secrets.token_hex(8)
    env = {**os.environ, "TOTALPLACE_REPORTS_DIR": str(home / "reports"), "JUPYTER_RUNTIME_DIR": str(home / "rt"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home / 'lab'}",
         "--LabApp.expose_app_in_browser=True"],  # window.jupyterapp, as JupyterLab's own UI tests use
        stdout=(home / "lab.log").open("w"), stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    browser = Browser(tmp_path_factory.mktemp("profile"))
    browser.call("Emulation.setFocusEmulationEnabled", enabled=True)  # headless has no window focus
    browser.call("Emulation.setDeviceMetricsOverride", width=1400, height=1000, deviceScaleFactor=1, mobile=False)
    browser.call("Page.navigate", url=f"{base}/lab?token={token}")
    for _ in range(600):  # the application has started when its command registry answers
        if browser.eval("!!(window.jupyterapp && window.jupyterapp.commands.hasCommand('docmanager:open'))"):
            break
        time.sleep(0.1)
    page = Lab(browser, base)
    page.home, page.committed = home, committed
    yield page
    browser.close()
    server.terminate()
    server.wait(timeout=30)


@pytest.mark.parametrize("theme", NOTEBOOKS)
def test_run_all_on_the_sample_completes_with_no_error_output(lab, theme):
    lab.open(f"{theme}.ipynb")
    s = lab.run_all()
    assert not s["errors"], s["errors"]
    assert "Key findings" in s["text"] and _default_place(theme) in s["text"] and "Traceback" not in s["text"]
    if theme != "place":  # the redesign explorer drew its numbers
        assert lab.js(NPV) and "£" in lab.js(NPV)


def test_moving_a_slider_changes_the_npv_shown(lab):
    lab.open("offenders.ipynb")
    if max(lab.state()["counts"]) == 0:
        lab.run_all()
    before = lab.js(NPV)
    handle = """const s = Array.from(w.node.querySelectorAll('.widget-slider'))
        .find(e => e.textContent.includes('Success rate')); s.scrollIntoView({block: 'center'});
      const h = s.querySelector('.noUi-handle').getBoundingClientRect();
      const t = s.querySelector('.noUi-target').getBoundingClientRect();
      return [h.x + h.width / 2, h.y + h.height / 2, t.width, s.querySelector('.widget-readout').textContent];"""
    lab.js(handle)
    time.sleep(0.5)  # let the scroll settle before reading where the handle is
    x, y, width, readout = lab.js(handle)
    mouse = lambda kind, at: lab.b.call("Input.dispatchMouseEvent", type=kind, x=at, y=y, button="left",  # noqa: E731
                                        clickCount=1)
    mouse("mousePressed", x)
    for step in range(1, 6):
        mouse("mouseMoved", x + width * 0.05 * step)
    mouse("mouseReleased", x + width * 0.25)
    end = time.monotonic() + 30
    while lab.js(NPV) == before and time.monotonic() < end:
        time.sleep(0.2)
    after = lab.js(NPV)
    assert lab.js(handle)[3] != readout, "the slider did not move"
    assert after != before and "NPV" in after, (before, after)


@pytest.mark.parametrize("theme", NOTEBOOKS[1:])
def test_picking_a_real_authority_reruns_the_whole_notebook_on_public_data(lab, public_data, theme):
    lab.open(f"{theme}.ipynb")
    if max(lab.state()["counts"]) == 0:
        lab.run_all()
    before = max(lab.state()["counts"])
    lab.choose("Dataset", "public")
    time.sleep(1)  # the place list follows the dataset
    lab.choose("Place", "Kent")
    lab.js("window.jupyterapp.shell.activateById(w.id); return true;")
    lab.click("Show this place")
    s = lab.ran_after(before)
    assert not s["errors"], s["errors"]
    text = html.unescape(re.sub(r"<[^>]+>|\*", "", s["text"]))  # as read: no tags, no markdown emphasis
    assert "This report for Kent" in text and "Real public data" in text, text[:2000]
    assert "No redesign case to explore" in s["text"] or lab.js(NPV)


def test_committed_notebooks_are_unchanged_after_exploring_and_saving(lab):
    for name in ("offenders.ipynb", "early_years.ipynb"):
        lab.open(name)
        lab.command("docmanager:save")
        end = time.monotonic() + 60
        while lab.js("return w.context.model.dirty;") and time.monotonic() < end:
            time.sleep(0.2)
        assert lab.js("return w.context.model.dirty;") is False, f"{name} was not saved"
    assert _digests(paths.notebooks_dir()) == lab.committed
    saved = json.loads((lab.home / "lab" / "offenders.ipynb").read_text())
    assert any(c.get("outputs") for c in saved["cells"]), "the working copy keeps the analyst's outputs"
