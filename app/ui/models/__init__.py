"""The Models tab: the catalog, the pairs on this PC, pulls with progress, local models
and the Hugging Face sign-in; `store_watch.py` notices store changes made elsewhere.

May import app.core, app.ui.shared, app.ui.theme and app.ui.workers (its jobs run on
`workers/store_jobs.py`); never another feature (chat, race, endpoints). A finished pull
reaches the pair selectors through the window (`pairs_changed`).
"""
