"""Looks: the colours of the light and dark themes (`theme_colors.py`), the palette,
style sheet and fonts, and how accepted draft tokens are marked (`theme.py`).

May import app.core (the settings' choices) and Qt only; every other part of app.ui may
import it.
"""
