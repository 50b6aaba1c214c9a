"""Colours, fonts and the style sheet: one place, so every panel looks like the others."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

WINDOW_BG = "#f4f5f7"
PANEL_BG = "#ffffff"
BORDER = "#dfe2e7"
TEXT = "#1f2328"
MUTED = "#6a737d"
ACCENT = "#2f6fde"
ACCENT_DARK = "#2459b8"
USER_BUBBLE = "#eef3fc"
CODE_BG = "#f3f4f6"
DRAFT_TINT = "#c4ecd0"  # accepted draft tokens
DRAFT_TINT_TEXT = "#0f5132"
TARGET_SWATCH = "#ffffff"
ERROR_BG = "#fdecea"
ERROR_TEXT = "#8a1f17"
# Chart colours (pyqtgraph takes these directly).
CHART_SPEED = "#2f6fde"
CHART_ACCEPT = "#1f9d55"
CHART_DRAFT = "#1f9d55"
CHART_TARGET = "#2f6fde"
CHART_CPU = "#8a63d2"


def draft_tint() -> QColor:
    return QColor(DRAFT_TINT)


def mono_font(point_size: int = 10) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(point_size)
    return font


STYLE_SHEET = f"""
QMainWindow, QWidget#ChatTab {{ background: {WINDOW_BG}; }}
QWidget {{ color: {TEXT}; }}
QFrame#Panel {{ background: {PANEL_BG}; border: 1px solid {BORDER}; border-radius: 8px; }}
QLabel#PanelTitle {{ font-weight: 600; color: {TEXT}; padding: 0 0 2px 0; }}
QLabel#Muted, QLabel#Legend {{ color: {MUTED}; }}
QLabel#Summary {{ color: {MUTED}; }}
QLabel#Status {{ color: {MUTED}; }}
QLabel#Metric {{ font-size: 15pt; font-weight: 600; }}
QLabel#MetricCaption {{ color: {MUTED}; font-size: 8.5pt; }}
QLabel#ErrorBanner {{ background: {ERROR_BG}; color: {ERROR_TEXT};
    border: 1px solid #f3c2bd; border-radius: 6px; padding: 8px 10px; }}
QTextBrowser#ChatView {{ background: {PANEL_BG}; border: 1px solid {BORDER};
    border-radius: 8px; padding: 6px 10px; }}
QPlainTextEdit#PromptInput, QLineEdit {{ background: {PANEL_BG}; border: 1px solid {BORDER};
    border-radius: 6px; padding: 6px; selection-background-color: {ACCENT}; }}
QPlainTextEdit#PromptInput:focus, QLineEdit:focus {{ border: 1px solid {ACCENT}; }}
QListWidget#ConversationList {{ background: {PANEL_BG}; border: 1px solid {BORDER};
    border-radius: 8px; padding: 4px; outline: 0; }}
QListWidget#ConversationList::item {{ padding: 7px 8px; border-radius: 5px; }}
QListWidget#ConversationList::item:selected {{ background: {USER_BUBBLE}; color: {TEXT}; }}
QListWidget#ConversationList::item:hover {{ background: #f1f3f6; }}
QPushButton {{ background: {PANEL_BG}; border: 1px solid {BORDER}; border-radius: 6px;
    padding: 5px 12px; }}
QPushButton:hover {{ background: #f1f3f6; }}
QPushButton:disabled {{ color: #a0a6ad; }}
QPushButton#Primary {{ background: {ACCENT}; color: white; border: 1px solid {ACCENT_DARK};
    font-weight: 600; }}
QPushButton#Primary:hover {{ background: {ACCENT_DARK}; }}
QPushButton#Primary:disabled {{ background: #9db8ea; border-color: #9db8ea; color: #eef3fc; }}
QPushButton#Danger {{ color: {ERROR_TEXT}; }}
QComboBox, QSpinBox, QDoubleSpinBox {{ min-height: 22px; }}
QGroupBox {{ border: none; margin-top: 6px; font-weight: 600; }}
QTabWidget::pane {{ border: none; }}
QTabBar::tab {{ padding: 7px 16px; margin-right: 2px; border: none; color: {MUTED}; }}
QTabBar::tab:selected {{ color: {TEXT}; border-bottom: 2px solid {ACCENT}; font-weight: 600; }}
QProgressBar {{ border: 1px solid {BORDER}; border-radius: 4px; background: #eef0f3;
    max-height: 8px; text-align: center; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 4px; }}
QScrollArea {{ border: none; background: transparent; }}
QSplitter::handle {{ background: transparent; }}
"""


def apply(app: QApplication) -> None:
    app.setStyle("Fusion")
    font = app.font()
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    app.setStyleSheet(STYLE_SHEET)
