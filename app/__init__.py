"""Tandem: speculative decoding for local LLMs, in a desktop window and on the command line."""

import os
import sys

# PySide6 makes its Qt types lazily by default: a type comes into being the first time a
# module attribute names it, and making one runs Python code (its enums), so the GIL can
# pass to another thread half-way. Two threads making types at once corrupt shiboken's
# table of types still to make: the segfault in the GUI thread's event loop while a
# start-up thread imported pyqtgraph, which reads every attribute of QtCore, QtGui and
# QtWidgets (2 of 20 rounds of tests/ui; app/devtools/qt_type_race.py: 16 of 30 lazy, 0 of
# 30 eager). With 0 every type of a Qt module is made when the module is imported (on the
# GUI thread: see app/ui/chat/chat_tab.py); the window's first paint costs no more (measured
# within noise, 0.90-0.95 s both ways). It takes effect only before PySide6 is first
# imported, which is why it is here: every entry point imports `app` first.
os.environ["PYSIDE6_OPTION_LAZY"] = "0"
if sys.platform == "win32":
    # shiboken reads it with the C runtime's narrow getenv(). In the frozen Windows app
    # (under Wine) the os.environ setting alone left the types lazy, and the self-test
    # said so, while the same variable set before the start made them eager: os.environ
    # writes the wide environment, and the narrow copy the bootloader had made already
    # kept the old value. Write the narrow copy as well.
    import ctypes

    try:
        ctypes.CDLL("ucrtbase")._putenv_s(b"PYSIDE6_OPTION_LAZY", b"0")
    except (OSError, AttributeError):  # no UCRT: os.environ is all there is
        pass
