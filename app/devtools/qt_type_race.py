"""Two threads making PySide6's Qt types at once: the crash behind app/__init__.py's setting.

    python -m app.devtools.qt_type_race --rounds 30          # as Tandem runs (eager types)
    python -m app.devtools.qt_type_race --rounds 30 --lazy   # PySide6's default: crashes

Each round is a fresh process (a type is made once per process). A start-up thread reads
every attribute of QtWidgets, QtGui and QtCore, as pyqtgraph's import does, while the GUI
thread reads them in the other order and runs its event loop, as a window's first events
do. With lazy types about half the rounds die by SIGSEGV inside libshiboken's module
getattr (PySide 6.11.3, gdb: PyObject_GetAttr -> libshiboken6 on the start-up thread, the
GUI thread waiting for the GIL half-way through making a type of its own). Prints the
count; exits 1 if any round crashed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

CHILD = """
import sys, threading
sys.setswitchinterval(1e-4)  # pass the GIL often: the race shows in a few rounds
import app  # noqa: F401  (Tandem's setting, unless the parent asked for lazy types)
from PySide6 import QtCore, QtGui, QtWidgets
application = QtWidgets.QApplication([])


def read_all():
    for module in (QtWidgets, QtGui, QtCore):
        for name in dir(module):
            getattr(module, name)


reader = threading.Thread(target=read_all)
reader.start()
for module in (QtGui, QtCore, QtWidgets):
    for name in reversed(dir(module)):
        getattr(module, name)
        application.processEvents()
reader.join()
"""


def run_round(lazy: bool) -> int:
    """One child process; its exit code (negative: the signal that ended it)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    code = CHILD
    if lazy:  # undo app/__init__.py's setting before PySide6 loads
        code = CHILD.replace("import app  #", "import app; import os; "
                             "os.environ['PYSIDE6_OPTION_LAZY'] = '1'  #")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          timeout=120)
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--lazy", action="store_true",
                        help="PySide6's default, lazy types (expect crashes)")
    args = parser.parse_args(argv)
    codes = [run_round(args.lazy) for _ in range(args.rounds)]
    crashed = sum(code != 0 for code in codes)
    kind = "lazy" if args.lazy else "eager"
    print(f"qt_type_race: {args.rounds} rounds with {kind} types, {crashed} crashed "
          f"(exit codes {sorted(set(codes))})", flush=True)
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())
