"""The window's log file and faulthandler's file, in the user log folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = """
import faulthandler, json, logging, logging.handlers, sys
from app.app_logging import setup_logging
folder = setup_logging()
if folder is None:
    print(json.dumps({"folder": None}))
    sys.exit(0)
handlers = [h for h in logging.getLogger().handlers
            if isinstance(h, logging.handlers.RotatingFileHandler)]
setup_logging()  # a second call adds nothing
print(json.dumps({"folder": str(folder), "handlers": len(handlers),
                  "all": len(logging.getLogger().handlers),
                  "max_bytes": handlers[0].maxBytes, "backups": handlers[0].backupCount,
                  "faulthandler": faulthandler.is_enabled(),
                  "previous_crash": __import__("app.app_logging").app_logging.previous_crash()}),
      flush=True)
logging.getLogger("tandem.test").warning("a line for the log")
if len(sys.argv) > 1:
    faulthandler._sigsegv()
"""


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TANDEM_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], capture_output=True,
                          text=True, env=env, timeout=60, cwd=ROOT)


def test_setup_logging_writes_a_rotating_log_once(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout)
    assert facts["folder"] == str(tmp_path / "logs")
    assert facts["handlers"] == 1 and facts["all"] == 1
    assert facts["max_bytes"] > 0 and facts["backups"] > 0
    assert facts["faulthandler"]
    log = (tmp_path / "logs" / "tandem.log").read_text(encoding="utf-8")
    assert "started (pid" in log and "a line for the log" in log


def test_a_native_crash_leaves_its_stack_in_faults_log(tmp_path):
    done = _run(tmp_path, "crash")
    assert done.returncode != 0
    faults = (tmp_path / "logs" / "faults.log").read_text(encoding="utf-8")
    assert "--- pid" in faults
    assert "Fatal Python error: Segmentation fault" in faults


def test_the_next_start_finds_the_crash_once(tmp_path):
    """After a native crash, the next run reports the crashed run's section of faults.log
    (the window shows it, with Copy details); the run after that does not again."""
    assert json.loads(_run(tmp_path).stdout)["previous_crash"] is None  # first run
    assert _run(tmp_path, "crash").returncode != 0
    found = json.loads(_run(tmp_path).stdout)["previous_crash"]
    assert found and found.startswith("--- pid")
    assert "Fatal Python error: Segmentation fault" in found
    assert "Current thread" in found or "Thread" in found  # the stacks, to copy
    assert json.loads(_run(tmp_path).stdout)["previous_crash"] is None  # told once


def test_the_crash_notice_offers_the_excerpt_to_copy(qtbot):
    from PySide6.QtGui import QGuiApplication

    from app.ui.error_dialog import crash_notice

    excerpt = "--- pid 1 started\nFatal Python error: Segmentation fault\n<no Python frame>"
    dialog = crash_notice(excerpt)
    qtbot.addWidget(dialog)
    assert "closed unexpectedly" in dialog.summary.text()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == excerpt


def test_an_unwritable_log_folder_is_reported_and_the_app_goes_on(tmp_path):
    blocker = tmp_path / "logs"
    blocker.write_text("a file where the folder should be")
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"folder": None}
    assert "tandem: no log file" in done.stderr
