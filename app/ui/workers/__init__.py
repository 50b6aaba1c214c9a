"""Threads and the hosts that relay their signals to the GUI thread: the thread rules
(`threads.py`), the generation worker with its host and controller, the Models tab's job
thread (`store_jobs.py`), the start-up helpers, the orderly close and the stall probe.

May import app.core and Qt only; never a feature, app.ui.shared or the window. Every
other part of app.ui may import it.
"""
