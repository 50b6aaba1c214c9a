"""The Chat tab: transcript, prompt, conversation list, the pair panel (pair, devices,
mode, load) and the controllers behind them.

May import app.core, app.ui.shared, app.ui.theme and app.ui.workers; never another feature
(race, models, endpoints): the window wires features together (`main_window.py`).
"""
