"""The Help menu: Open log folder, Copy system info, About Tandem (version, licences)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import metadata

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox

from app import paths
from app.core.sysinfo import Device
from app.core.system_report import system_report
from app.ui.error_dialog import open_log_folder

NOTICES_FILE = "THIRD_PARTY_NOTICES.txt"


def tandem_version() -> str:
    try:
        return metadata.version("tandem")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def about_html() -> str:
    root = paths.bundle_root()
    notices = root / NOTICES_FILE
    where = (f"The licences of every bundled library are in <code>{notices}</code>."
             if notices.exists() else
             "The licences of the libraries it uses are listed by "
             "<code>python packaging/third_party_notices.py</code> (in a bundle: "
             f"<code>{NOTICES_FILE}</code>).")
    return (f"<h3>Tandem {tandem_version()}</h3>"
            "<p>Faster local LLMs with speculative decoding (OpenVINO GenAI).</p>"
            "<p>Licensed under the Apache License 2.0.</p>"
            f"<p>Uses Qt {qVersion()} and PySide6 {PySide6.__version__} under the GNU LGPL "
            "version 3, OpenVINO and OpenVINO GenAI under the Apache License 2.0, and "
            f"pyqtgraph under the MIT licence. {where}</p>")


class HelpMenu(QMenu):
    def __init__(self, window: QMainWindow, devices: Callable[[], Iterable[Device]],
                 pair: Callable[[], str]) -> None:
        super().__init__("&Help", window)
        self._window = window
        self._devices = devices
        self._pair = pair
        self.open_logs = self._add("Open log folder", open_log_folder)
        self.copy_info = self._add("Copy system info", self.copy_system_info)
        self.addSeparator()
        self.about = self._add("About Tandem", self.show_about)
        self.about_box: QMessageBox | None = None

    def _add(self, text: str, slot: Callable[[], object]) -> QAction:
        action = self.addAction(text)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def system_info(self) -> str:
        return system_report(self._devices(), self._pair(),
                             {"Qt": f"{qVersion()} (PySide6 {PySide6.__version__}, platform "
                                    f"{QGuiApplication.platformName()})",
                              "Log folder": str(paths.log_dir())})

    def copy_system_info(self) -> str:
        text = self.system_info()
        QGuiApplication.clipboard().setText(text)
        self._window.statusBar().showMessage("System info copied to the clipboard.", 4000)
        return text

    def show_about(self) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Information, "About Tandem", about_html(),
                          QMessageBox.StandardButton.Ok, self._window)
        box.setTextFormat(box.textFormat().RichText)
        box.open()
        self.about_box = box
        return box


def add_help_menu(window: QMainWindow, devices: Callable[[], Iterable[Device]],
                  pair: Callable[[], str]) -> HelpMenu:
    menu = HelpMenu(window, devices, pair)
    window.menuBar().addMenu(menu)
    return menu
