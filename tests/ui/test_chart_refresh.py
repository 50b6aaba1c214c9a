"""Charts cost the worker throughput (pyqtgraph repaints hold the GIL): they repaint at
most twice a second during an answer, and the system panel's axes render only once."""

from __future__ import annotations

import itertools

import psutil

from app.core.engine import StepEvent
from app.ui.chat import chat_controller
from app.ui.chat.chat_controller import PendingRun
from app.ui.chat.system_panel import SystemPanel


def test_charts_refresh_at_most_twice_a_second_during_an_answer(qtbot, make_window,
                                                                 monkeypatch):
    # Batches every 30 ms for 3 s of (simulated) time: the number tiles follow every
    # batch, the charts at most twice a second. Real timing on a loaded 2-core machine
    # would be bounded by the step rate instead, so the clock is the controller's own.
    window = make_window(wait_loaded=False)
    chat = window.chat
    chat.pending = PendingRun(request_id=7, conversation_id="c", settings={})
    chat.tab.chat.view.show_conversation(window.conversations.conversation)
    chat.tab.chat.view.begin_answer()
    chat.live.reset(0.0, 3, True)
    clock = [100.0]
    monkeypatch.setattr(chat_controller.time, "monotonic", lambda: clock[0])
    with_charts, tiles_only = [], []
    original = chat.tab.metrics.show_metrics

    def counting(live, charts=True):
        (with_charts if charts else tiles_only).append(clock[0])
        original(live, charts)

    monkeypatch.setattr(chat.tab.metrics, "show_metrics", counting)
    for i in range(100):
        clock[0] += 0.03
        chat._on_steps(7, [StepEvent(i, "ab ", (1, 2, 3), 2, clock[0], ((3, True),))])
    chat.pending = None
    assert len(with_charts) + len(tiles_only) == 100
    assert len(with_charts) <= 3 / 0.5 + 1, len(with_charts)
    gaps = [b - a for a, b in itertools.pairwise(with_charts)]
    assert min(gaps) >= 0.5 - 1e-9


def test_system_panel_readings_do_not_re_render_its_axes(qtbot):
    panel = SystemPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.grab()  # paint once: the axes render and cache their picture
    axis = panel.cpu_plot.getAxis("bottom")
    assert axis.picture is not None
    panel.refresh()
    panel.refresh()
    assert axis.picture is not None  # new readings reuse the rendered axis
    assert len(panel.cpu_bars.opts["height"]) == psutil.cpu_count()
    panel.timer.stop()
