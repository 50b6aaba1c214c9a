"""Tandem: speculative decoding for local LLMs, in a desktop window and on the command line."""

import os

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
