"""environment.yml cannot be tested here (no conda), so it is kept in sync with pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ \[]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_lists_every_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]} | {_name(r) for r in project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"] and "nodefaults" in env["channels"]
    listed = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            assert "-e ." in dep["pip"], "the pip section must install the project itself"
            listed |= {_name(r) for r in dep["pip"] if not r.startswith("-e")}
        else:
            listed.add(_name(dep))
    missing = wanted - listed
    assert not missing, f"environment.yml lacks {sorted(missing)}"


def _spec(req: str) -> str:
    return req.split("#")[0].strip()[len(_name(req)):].replace(" ", "")


def test_environment_asks_for_the_same_versions():
    """A bound in pyproject.toml (matplotlib below 3.11, whose text drawing is five times slower) must
    bind conda users too."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r): _spec(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = {}
    for dep in env["dependencies"]:
        for req in dep["pip"] if isinstance(dep, dict) else [dep]:
            if not req.startswith("-e") and _name(req) in wanted:
                listed[_name(req)] = _spec(req)
    differ = {n: (wanted[n], listed[n]) for n in listed if listed[n] != wanted[n]}
    assert not differ, f"pyproject.toml vs environment.yml: {differ}"
    assert wanted["matplotlib"].endswith("<3.11")
