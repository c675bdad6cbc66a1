"""The house rules a newcomer can rely on (issue 29), checked over the package's source.

The layers contract itself is checked by ``lint-imports`` in ``make lint``; these are the rules it cannot see.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "totalplace_lib"
MODULES = sorted(PACKAGE.rglob("*.py"))


def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _shown(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_no_module_is_over_500_lines():
    long = {_shown(p): n for p in MODULES if (n := _source(p).count("\n")) > 500}
    assert not long, f"split these by concern: {long}"


def test_no_function_defaults_a_price_year():
    # a default price year lets a later year's report silently mix 2009/10 pounds with its own
    found = []
    for p in MODULES:
        for node in ast.walk(ast.parse(_source(p))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                positional = [*args.posonlyargs, *args.args]
                defaults = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults):]],
                                    args.defaults, strict=True))
                defaults |= {a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d}
                d = defaults.get("price_year")
                if isinstance(d, ast.Constant) and isinstance(d.value, str):
                    found.append(f"{_shown(p)}:{node.lineno} {node.name}")
    assert not found, found


@pytest.mark.parametrize(("pattern", "home", "why"), [
    (r"E92000001", "core/schema.py", "England's code: use core.schema.ENGLAND_CODE"),
    (r"\[-2:\]|% 100:02d", "core/periods.py", "a financial-year label: use core.periods.fy_label"),
    (r"def _reference\(|reference_dir\(\) /", "core/reference.py", "a reference table: use core.reference"),
    (r"os\.replace\(|\.rename\(tmp", "core/files.py", "an atomic write: use core.files"),
    (r"\._find_fonts_by_props|\._lastKey|\._get_renderer\(|\._handle_kernel_info_reply|BeautifulSoup"
     r"|rfc3987_syntax", "core/compat.py", "an upstream workaround: keep it in core.compat, with its test"),
])
def test_one_way_to_do_each_thing(pattern, home, why):
    rx = re.compile(pattern)
    elsewhere = [f"{_shown(p)}:{i}" for p in MODULES if _shown(p) != f"totalplace_lib/{home}"
                 for i, line in enumerate(_source(p).splitlines(), 1)
                 if rx.search(line) and not line.lstrip().startswith("#")]
    assert not elsewhere, f"{why}: {elsewhere}"


def test_package_inits_only_hand_names_on():
    for p in PACKAGE.rglob("__init__.py"):
        tree = ast.parse(_source(p))
        for node in tree.body:
            ok = isinstance(node, ast.Import | ast.ImportFrom) or (
                isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)) or (
                isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id in ("__all__", "__version__")
                                                     for t in node.targets))
            assert ok, f"{_shown(p)}:{node.lineno} does more than hand names on"


def test_the_layers_contract_holds():
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    out = subprocess.run([str(lint)], capture_output=True, text=True, cwd=PACKAGE.parent)
    assert out.returncode == 0 and "0 broken" in out.stdout, out.stdout[-2000:]
