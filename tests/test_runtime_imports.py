"""The runtime never loads torch, transformers or optimum (the installer stays small)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

HEAVY = ("torch", "transformers", "optimum")


def test_runtime_modules_do_not_pull_heavy_libraries():
    code = (
        "import importlib, pkgutil, sys\n"
        "import app, app.cli, app.core\n"
        "for m in pkgutil.walk_packages(app.__path__, 'app.'):\n"
        "    if '.devtools' in m.name or m.name.endswith(('convert_export', '__main__')):\n"
        "        continue\n"
        "    importlib.import_module(m.name)\n"
        f"print(sorted(n for n in sys.modules if n.split('.')[0] in {HEAVY!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
