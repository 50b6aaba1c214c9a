"""The race tab's looks and state: a timeline in ms or s (never "x0.001"), clean empty
charts, the chat's pair, and a status line that says what is happening."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from app.core.store.events import CancelToken
from app.core.store.pull import add
from app.ui.race.race_chart import EMPTY_CHART, RaceChart, time_unit
from app.ui.race.race_tab import RaceTab
from app.ui.shared.metrics_view import MetricsView

DEMO_PROMPT = "Write a Python function to add two numbers."


def test_timeline_reads_in_ms_or_s_with_round_ranges(qtbot) -> None:
    assert time_unit(0.25) == ("ms", 1000.0) and time_unit(3.5) == ("s", 1.0)
    chart = RaceChart()
    qtbot.addWidget(chart)
    chart.show()
    # Empty: a sentence, no axes (not pyqtgraph's -0.5..0.5 of no data).
    assert chart.empty and chart.placeholder.isVisible()
    assert chart.placeholder.toPlainText() == EMPTY_CHART
    assert not chart.getAxis("bottom").isVisible() and not chart.getAxis("left").isVisible()
    chart.show_curve(False, [(0.0, 0), (0.12, 20), (0.31, 40)])
    chart.show_curve(True, [(0.0, 0), (0.05, 20), (0.09, 40)])
    axis = chart.getAxis("bottom")
    assert axis.isVisible() and not chart.placeholder.isVisible()
    assert axis.labelText == "ms since the prompt"
    assert "x0.001" not in axis.labelString() and axis.autoSIPrefixScale == 1.0
    (x0, x1), (y0, y1) = chart.viewRange()
    assert (x0, x1) == (0, 500) and (y0, y1) == (0, 50)  # 310 ms -> 500; 40 tokens -> 50
    assert list(chart.plain_curve.getData()[0]) == [0.0, 120.0, 310.0]
    chart.show_curve(False, [(0.0, 0), (2.4, 80)])
    assert axis.labelText == "s since the prompt" and chart.viewRange()[0] == [0, 5]
    chart.clear_curves()
    assert chart.empty and chart.placeholder.isVisible()


def test_metric_charts_start_with_round_ranges(qtbot) -> None:
    view = MetricsView()
    qtbot.addWidget(view)
    for plot in (view.speed_plot, view.hist_plot, view.time_plot):
        (x0, x1), _ = plot.viewRange()
        assert x0 >= -0.5 and x1 >= 3.5, plot  # not -0.4..0.4 around nothing


def test_race_tab_starts_on_the_pair_the_chat_uses(qtbot, make_window, demo_dir) -> None:
    result = add(str(demo_dir / "target"), str(demo_dir / "draft"), "Second pair",
                 lambda _e: None, CancelToken(), load=False)
    assert result.ok, result.problems
    window = make_window(wait_loaded=False, autoload=False)
    controls = window.chat_tab.controls
    controls.pair.setCurrentIndex(controls.pair.findData("second-pair"))
    assert window.race_tab.view.pair.currentData() == "demo"  # not shown yet
    window.tabs.setCurrentWidget(window.race_tab)
    assert window.race_tab.view.pair.currentData() == "second-pair"
    spec = window.race_tab.controller.specs()["speculative"]
    assert spec.name == "Second pair" and spec.device == "CPU"


def test_status_line_never_says_loading_while_a_side_generates(qtbot) -> None:
    tab = RaceTab()
    qtbot.addWidget(tab)
    tab.show()
    view, controller = tab.view, tab.controller
    view.prompt.setText(DEMO_PROMPT)
    view.max_tokens.setValue(24)
    view.repeats.setValue(1)
    samples: list[tuple[str, str, str]] = []
    probe = QTimer()
    probe.setInterval(2)
    probe.timeout.connect(lambda: samples.append((
        view.result.text(), view.plain.text.toPlainText(), view.speculative.text.toPlainText())))
    probe.start()
    try:
        with qtbot.waitSignal(controller.race_finished, timeout=120_000):
            view.run_button.click()
            assert view.result.text().startswith("Loading the plain pipeline (1 of 2)")
    finally:
        probe.stop()
        tab.shutdown()
    QApplication.processEvents()
    loading = [s for s in samples if s[0].startswith("Loading")]
    generating = [s for s in samples if "generating" in s[0]]
    assert loading and generating
    assert not any(plain or speculative for _text, plain, speculative in loading)
    assert any("Round 1 of 1: speculative generating" in s[0] for s in generating)
