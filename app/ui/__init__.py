"""The PySide6 window: views, controllers, and workers that adapt core objects to Qt.

The window (`main.py`, `main_window.py`, `help_menu.py`, `settings_dialog.py`,
`error_dialog.py`) builds the tabs and wires them together. Features, which never import
each other: `chat/`, `race/`, `models/`, `endpoints/`. Below them, what any feature may
use: `shared/`, `theme/` and `workers/` (threads and hosts). Imports run down this list
only; pyproject.toml's import-linter contracts check it.
"""
