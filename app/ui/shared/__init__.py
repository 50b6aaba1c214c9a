"""Parts more than one feature uses: the live metrics and their panel (Chat and Race),
and the pair-selector entries of saved endpoints (`remote_pairs.py`).

May import app.core, app.ui.theme and app.ui.workers; never a feature or the window.
"""
