"""requirements/lock.txt pins everything pyproject asks for, and agrees with the other pins."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from types import ModuleType

from tests.conftest import ROOT

LOCK = ROOT / "requirements" / "lock.txt"


def _name(requirement: str) -> str:
    name = re.split(r"[\s\[<>=!~;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_name(name)] = version.strip()
    return pins


def test_every_dependency_and_extra_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        wanted += extra
    pins = _pins()
    missing = sorted({_name(r) for r in wanted} - set(pins))
    assert not missing, f"not in requirements/lock.txt (run `python dev.py lock`): {missing}"
    assert all(re.fullmatch(r"[0-9][0-9A-Za-z.!]*", v) for v in pins.values()), pins


def _module(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.replace("/", "_")[:-3], ROOT / path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lock_agrees_with_dev_py_and_the_build_script():
    pins = _pins()
    assert f"torch=={pins['torch']}" == _module("dev.py").TORCH
    assert f"pyinstaller=={pins['pyinstaller']}" == _module("packaging/build.py").PYINSTALLER
