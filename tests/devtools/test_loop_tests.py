"""loop_tests counts each round's outcome from the pytest process it really runs."""

from __future__ import annotations

import shutil
from pathlib import Path

from app.devtools.loop_tests import main


def _write(folder: Path, body: str) -> Path:
    path = folder / "test_sample.py"
    path.write_text(body)
    return path


def test_green_rounds_are_counted_and_leave_no_log(tmp_path: Path, capsys) -> None:
    test = _write(tmp_path, "def test_ok():\n    assert 1 + 1 == 2\n")
    logs = tmp_path / "logs"
    assert main([str(test), "--rounds", "2", "--log-dir", str(logs)]) == 0
    out = capsys.readouterr().out
    assert "loop: 2 rounds, 2 passed, 0 failed, 0 crashed, 0 timed out" in out
    assert not list(logs.iterdir())


def test_a_failure_a_crash_and_a_hang_are_told_apart(tmp_path: Path, capsys) -> None:
    logs = tmp_path / "logs"
    failing = _write(tmp_path, "def test_no():\n    assert False, 'seen in the log'\n")
    assert main([str(failing), "--rounds", "1", "--log-dir", str(logs)]) == 1
    out = capsys.readouterr().out
    assert "1 failed" in out and "seen in the log" in out
    assert (logs / "round-1.log").exists()

    crashing = _write(tmp_path, "import ctypes\n\ndef test_segv():\n    ctypes.string_at(0)\n")
    assert main([str(crashing), "--rounds", "1", "--log-dir", str(logs)]) == 1
    out = capsys.readouterr().out
    assert "1 crashed" in out and "Segmentation fault" in out

    hanging = _write(tmp_path, "import time\n\ndef test_wait():\n    time.sleep(60)\n")
    assert main([str(hanging), "--rounds", "1", "--timeout", "3",
                 "--log-dir", str(logs)]) == 1
    assert "1 timed out" in capsys.readouterr().out
    log = (logs / "round-1.log").read_text(errors="replace")
    assert "native stacks at the timeout" in log
    if shutil.which("gdb"):  # every thread's native frames, the sleeping one's among them
        assert "Thread 1" in log and "#0" in log


def test_a_crash_in_a_tests_child_process_counts_as_a_crash(tmp_path: Path, capsys) -> None:
    test = _write(tmp_path, "import subprocess, sys\n\ndef test_child():\n"
                  "    code = 'import ctypes, faulthandler; faulthandler.enable(); "
                  "ctypes.string_at(0)'\n"
                  "    done = subprocess.run([sys.executable, '-c', code], capture_output=True,"
                  " text=True)\n"
                  "    assert done.returncode == 0, done.stderr\n")
    assert main([str(test), "--rounds", "1", "--log-dir", str(tmp_path / "logs")]) == 1
    assert "1 crashed" in capsys.readouterr().out
