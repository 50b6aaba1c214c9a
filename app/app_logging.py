"""The window's log: a rotating `tandem.log` and faulthandler's `faults.log`.

Both live in the user log folder (`paths.log_dir()`), which Help > Open log folder opens.
The windowed build has no console: without these files its errors would vanish.
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import os
import sys
import time
from pathlib import Path
from typing import TextIO

from app import paths

LOG_FILE = "tandem.log"
FAULTS_FILE = "faults.log"
MAX_BYTES = 1_000_000
BACKUPS = 4
FORMAT = "%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"

_faults_stream: TextIO | None = None
_previous_crash: str | None = None
CRASH_MARKERS = ("Fatal Python error", "Segmentation fault", "Aborted", "Bus error",
                 "Illegal instruction", "Floating-point exception")
EXCERPT_CHARS = 12_000


def log_file() -> Path:
    return paths.log_dir() / LOG_FILE


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Log to the rotating file and turn faulthandler on (once per process). A log folder
    that cannot be written is reported on stderr, and the app runs without the file."""
    folder = paths.log_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _log_to(folder, level)
    except OSError as exc:
        if sys.stderr is not None:
            print(f"tandem: no log file ({exc}); continuing without one", file=sys.stderr)
        return None
    logging.getLogger("tandem").info("started (pid %d)", os.getpid())
    return folder


def _log_to(folder: Path, level: int) -> None:
    root = logging.getLogger()
    target = str(folder / LOG_FILE)
    if not any(getattr(h, "baseFilename", None) == target for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(
            target, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(min(root.level or level, level))
    _enable_faulthandler(folder / FAULTS_FILE)


def last_run_crash(path: Path) -> str | None:
    """The faulthandler report of the run before this one, when that run died natively
    (each run starts its section with a `--- pid` line; a clean run leaves it empty)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    start = text.rfind("--- pid ")
    section = text[start:] if start >= 0 else text
    if not any(marker in section for marker in CRASH_MARKERS):
        return None
    return section[-EXCERPT_CHARS:].strip()


def previous_crash() -> str | None:
    """What `setup_logging` found: the last run's crash report, or None."""
    return _previous_crash


def _enable_faulthandler(path: Path) -> None:
    # A crash in native code (Qt, OpenVINO) writes every thread's Python stack here.
    global _faults_stream, _previous_crash
    if _faults_stream is None or _faults_stream.name != str(path):
        _previous_crash = last_run_crash(path)  # read before this run's section starts
        _faults_stream = open(path, "a", encoding="utf-8")  # kept open for faulthandler
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        _faults_stream.write(f"--- pid {os.getpid()} started {started}\n")
        _faults_stream.flush()
    faulthandler.enable(file=_faults_stream, all_threads=True)
