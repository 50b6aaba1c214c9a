"""The Race tab: plain against speculative on the same prompt, side by side, with its
chart, report and speedup picture (`race_speedup_png.py`, which `tandem bench` draws too).

May import app.core, app.ui.shared, app.ui.theme and app.ui.workers; never another feature
(chat, models, endpoints).
"""
