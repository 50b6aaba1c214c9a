"""The application style sheet, built from a palette (light or dark)."""

from __future__ import annotations

from app.ui.theme.theme_colors import Colors


def style_sheet(c: Colors) -> str:
    # White on the lighter dark-theme accent reads poorly: primary buttons take the
    # deeper shade there.
    primary = c.ACCENT_DARK if c.dark else c.ACCENT
    primary_hover = c.ACCENT if c.dark else c.ACCENT_DARK
    return f"""
QMainWindow, QWidget#ChatTab, QDialog {{ background: {c.WINDOW_BG}; }}
QWidget {{ color: {c.TEXT}; }}
QToolTip {{ color: {c.TEXT}; background: {c.PANEL_BG}; border: 1px solid {c.BORDER};
    padding: 4px; }}
QFrame#Panel {{ background: {c.PANEL_BG}; border: 1px solid {c.BORDER}; border-radius: 8px; }}
QLabel#PanelTitle {{ font-weight: 600; color: {c.TEXT}; padding: 0 0 2px 0; }}
QLabel#Muted, QLabel#Legend {{ color: {c.MUTED}; }}
QLabel#Summary {{ color: {c.MUTED}; }}
QLabel#Status {{ color: {c.MUTED}; }}
QLabel#Metric {{ font-size: 15pt; font-weight: 600; }}
QLabel#MetricCaption {{ color: {c.MUTED}; font-size: 8.5pt; }}
QLabel#ErrorBanner {{ background: {c.ERROR_BG}; color: {c.ERROR_TEXT};
    border: 1px solid {c.ERROR_BORDER}; border-radius: 6px; padding: 8px 10px; }}
QLabel#EditBanner {{ background: {c.USER_BUBBLE}; border: 1px solid {c.BORDER};
    border-radius: 6px; padding: 6px 10px; }}
QTextBrowser#ChatView {{ background: {c.PANEL_BG}; border: 1px solid {c.BORDER};
    border-radius: 8px; padding: 6px 10px; }}
QPlainTextEdit, QTextEdit, QLineEdit {{ background: {c.PANEL_BG};
    border: 1px solid {c.BORDER}; border-radius: 6px; selection-background-color: {c.ACCENT};
    selection-color: #ffffff; }}
QPlainTextEdit#PromptInput, QPlainTextEdit#SystemPrompt, QLineEdit {{ padding: 6px; }}
QPlainTextEdit:focus, QLineEdit:focus {{ border: 1px solid {c.ACCENT}; }}
QComboBox QAbstractItemView {{ background: {c.PANEL_BG}; color: {c.TEXT};
    selection-background-color: {c.ACCENT}; selection-color: #ffffff; }}
QListWidget#ConversationList {{ background: {c.PANEL_BG}; border: 1px solid {c.BORDER};
    border-radius: 8px; padding: 4px; outline: 0; }}
QListWidget#ConversationList::item {{ padding: 7px 8px; border-radius: 5px; }}
QListWidget#ConversationList::item:selected {{ background: {c.USER_BUBBLE}; color: {c.TEXT}; }}
QListWidget#ConversationList::item:hover {{ background: {c.HOVER}; }}
QPushButton, QToolButton {{ background: {c.PANEL_BG}; border: 1px solid {c.BORDER};
    border-radius: 6px; padding: 5px 12px; }}
QPushButton:hover, QToolButton:hover {{ background: {c.HOVER}; }}
QPushButton:disabled, QToolButton:disabled {{ color: {c.DISABLED}; }}
QPushButton#Primary, QToolButton#JumpToLatest {{ background: {primary}; color: white;
    border: 1px solid {c.ACCENT_DARK}; font-weight: 600; }}
QPushButton#Primary:hover, QToolButton#JumpToLatest:hover {{ background: {primary_hover}; }}
QPushButton#Primary:disabled {{ background: {c.ACCENT_DISABLED};
    border-color: {c.ACCENT_DISABLED}; color: {c.USER_BUBBLE}; }}
QPushButton#Danger {{ color: {c.ERROR_TEXT}; }}
QComboBox, QSpinBox, QDoubleSpinBox {{ min-height: 22px; }}
QGroupBox {{ border: none; margin-top: 6px; font-weight: 600; }}
QTabWidget::pane {{ border: none; }}
QTabBar::tab {{ padding: 7px 16px; margin-right: 2px; border: none; color: {c.MUTED};
    background: transparent; }}
QTabBar::tab:selected {{ color: {c.TEXT}; border-bottom: 2px solid {c.ACCENT};
    font-weight: 600; }}
QProgressBar {{ border: 1px solid {c.BORDER}; border-radius: 4px; background: {c.PROGRESS_BG};
    max-height: 8px; text-align: center; }}
QProgressBar::chunk {{ background: {c.ACCENT}; border-radius: 4px; }}
QScrollArea {{ border: none; background: transparent; }}
QScrollArea > QWidget > QWidget {{ background: transparent; }}
QSplitter::handle {{ background: transparent; }}
"""
