"""Remote endpoints: the list of saved servers and the editor that adds, tests and
saves one. The pair-selector entries they become live in `shared/remote_pairs.py`.

May import app.core, app.ui.shared, app.ui.theme and app.ui.workers; never another feature
(chat, race, models): the window opens the list and refreshes the pair selector.
"""
