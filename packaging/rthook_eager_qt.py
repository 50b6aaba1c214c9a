# PyInstaller runtime hook, run before every other one. PyInstaller's own PySide6 hook
# imports PySide6.QtCore before the app's entry script, and PySide6 reads
# PYSIDE6_OPTION_LAZY once, at that first import: the frozen Windows app had lazy Qt types
# (the self-test said so), the crash app/__init__.py's setting exists to prevent.
# Importing `app` first applies that setting from its one place.
import app  # noqa: F401
