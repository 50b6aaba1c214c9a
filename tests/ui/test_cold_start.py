"""Cold start: the window is built and shown before pyqtgraph and OpenVINO are imported;
the charts, the device list and the pair follow on workers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SCRIPT = """
import json, sys, time
from PySide6.QtWidgets import QApplication
app = QApplication([])
from app.ui.main import build_main_window
window = build_main_window(autoload=False)  # the pair load is tested elsewhere
window.show()
before_paint = {m: m in sys.modules for m in ("pyqtgraph", "openvino", "openvino_genai")}
deadline = time.monotonic() + 90
while time.monotonic() < deadline and not (
        window.chat_tab._metrics is not None and window.controls.devices_listed):
    app.processEvents()
    time.sleep(0.01)
print(json.dumps({"before_paint": before_paint,
                  "charts": window.chat_tab._metrics is not None,
                  "devices": [d.name for d in window.controls.devices]}))
window.close()
"""


@pytest.mark.slow
def test_the_window_shows_before_the_heavy_imports_then_fills_in(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TANDEM_HOME": str(tmp_path),
           "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["before_paint"] == {"pyqtgraph": False, "openvino": False,
                                     "openvino_genai": False}
    assert facts["charts"] and "CPU" in facts["devices"]
