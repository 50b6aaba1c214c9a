"""The race tab on the demo pair: two live panes, N rounds, the result line, export."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.engine import GenerationRequest, PairSpec
from app.core.engine.remote import Endpoint
from app.core.engine.remote.endpoint import upsert_endpoint
from app.serve.server import TandemServer
from app.ui.race.race_tab import RaceTab

RACE_TIMEOUT_MS = 120_000


@pytest.fixture
def race_tab(qtbot):
    tab = RaceTab()
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.show()
    yield tab
    tab.shutdown()


def test_race_runs_rounds_one_after_the_other(qtbot, race_tab, plain_session, tmp_path):
    view, controller = race_tab.view, race_tab.controller
    assert view.pair.count() >= 1 and view.pair.currentData() == "demo"
    # Plain and speculative share the CPU here: running both at once is not offered.
    assert not view.simultaneous.isEnabled()
    view.prompt.setText("Write a Python function to add two numbers.")
    view.k.setValue(3)
    view.max_tokens.setValue(40)
    view.repeats.setValue(2)
    rounds = []
    controller.round_finished.connect(rounds.append)
    with qtbot.waitSignal(controller.race_finished, timeout=RACE_TIMEOUT_MS) as done:
        view.run_button.click()
        assert view.stop_button.isEnabled() and not view.run_button.isEnabled()
    summary = done.args[0]
    assert rounds == [1, 2]
    assert len(summary.rounds) == 2
    expected = plain_session.generate(GenerationRequest.chat(
        "Write a Python function to add two numbers.", max_new_tokens=40))
    for race in summary.rounds:
        assert race.plain.stats.mode == "plain"
        assert race.speculative.stats.mode == "draft"
        assert race.speculative.stats.num_assistant_tokens == 3
        assert race.plain.token_ids == expected.token_ids
        assert race.speculative.token_ids == expected.token_ids
        # One after the other: the speculative run began after the plain one ended.
        plain_end = race.plain.steps[-1].timestamp
        assert race.speculative.steps[0].timestamp > plain_end
    # The panes show both answers; the chart has both curves ending at the token count.
    assert view.plain.text.toPlainText() == expected.text
    assert view.speculative.text.toPlainText() == expected.text
    for curve, race_result in ((view.plain_curve, summary.rounds[-1].plain),
                               (view.speculative_curve, summary.rounds[-1].speculative)):
        _xs, ys = curve.getData()
        assert ys[-1] == race_result.stats.generated_tokens
    line = view.result.text()
    assert line == summary.result_line()
    assert "identical text ✓" in line
    assert f"{summary.acceptance * 100:.0f}% of draft tokens accepted" in line
    assert "mean of 2" in line
    assert not view.stop_button.isEnabled() and view.run_button.isEnabled()
    assert view.export_button.isEnabled()
    markdown, picture = controller.export(tmp_path / "race")
    text = markdown.read_text(encoding="utf-8")
    assert summary.result_line() in text and "| 2 |" in text
    assert picture.stat().st_size > 5_000
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_stop_ends_the_race_early(qtbot, race_tab):
    view, controller = race_tab.view, race_tab.controller
    view.max_tokens.setValue(300)
    view.repeats.setValue(20)
    with qtbot.waitSignal(controller.round_finished, timeout=RACE_TIMEOUT_MS):
        view.run_button.click()
    view.stop_button.click()
    assert not controller.running
    rounds = len(controller.summary.rounds)
    assert 1 <= rounds < 20
    qtbot.wait(300)
    assert len(controller.summary.rounds) == rounds  # late events are dropped
    assert view.run_button.isEnabled()


def test_empty_prompt_is_refused(qtbot, race_tab):
    race_tab.view.prompt.setText("   ")
    race_tab.view.run_button.click()
    assert not race_tab.controller.running
    assert "Type a prompt" in race_tab.view.result.text()


def test_export_writes_into_a_new_folder(qtbot, race_tab, tmp_path: Path):
    markdown, picture = race_tab.controller.export(tmp_path / "nested" / "race")
    assert markdown.is_file() and picture.is_file()


def test_the_main_window_has_a_race_tab_that_loads_lazily(make_window):
    window = make_window(wait_loaded=False, autoload=False)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Race" in titles
    assert window.tabs.widget(titles.index("Race")) is window.race_tab
    assert window.race_tab.controller.hosts == {}  # no pipeline until the first race


@pytest.fixture
def served_demo(demo_dir, tandem_home) -> Iterator[Endpoint]:
    """`tandem serve` on the demo pair (127.0.0.1, ephemeral port), saved as an endpoint."""
    server = TandemServer(PairSpec(demo_dir / "target", demo_dir / "draft"), port=0,
                          model_name="tandem-demo")
    server.start_in_thread()
    try:
        endpoint = Endpoint(server.url, name="demo serve")
        upsert_endpoint(endpoint)
        yield endpoint
    finally:
        server.shutdown()


@pytest.mark.parametrize("remote_side", ["plain", "speculative"])
def test_a_remote_endpoint_runs_one_side_of_the_race(qtbot, served_demo, plain_session,
                                                     remote_side):
    tab = RaceTab()
    qtbot.addWidget(tab)
    tab.show()
    try:
        view, controller = tab.view, tab.controller
        # Defaults are today's race: both sides local.
        assert view.plain_side.currentData() == "" and view.speculative_side.currentData() == ""
        assert not view.simultaneous.isEnabled()
        combo = view.plain_side if remote_side == "plain" else view.speculative_side
        combo.setCurrentIndex(combo.findData(f"remote:{served_demo.id}"))
        specs = controller.specs()
        local_side = "speculative" if remote_side == "plain" else "plain"
        assert specs[remote_side].endpoint == served_demo.id
        assert not specs[local_side].endpoint
        # The server uses none of this machine's cores for us: both at once is allowed.
        assert view.simultaneous.isEnabled()
        view.simultaneous.setChecked(True)
        view.prompt.setText("Write a Python function to add two numbers.")
        view.max_tokens.setValue(32)
        view.repeats.setValue(1)
        with qtbot.waitSignal(controller.race_finished, timeout=RACE_TIMEOUT_MS) as done:
            view.run_button.click()
        race = done.args[0].rounds[0]
        expected = plain_session.generate(GenerationRequest.chat(
            "Write a Python function to add two numbers.", max_new_tokens=32))
        if remote_side == "plain":
            assert race.speculative.stats.mode == "draft"
            assert race.speculative.stats.num_assistant_tokens == view.k.value()
        else:
            assert race.plain.stats.mode == "plain"
        assert race.plain.text == race.speculative.text == expected.text
        for pane, result in ((view.plain, race.plain), (view.speculative, race.speculative)):
            assert pane.text.toPlainText() == expected.text
            assert pane.status.text().startswith(result.stats.summary())
        assert "identical text ✓" in view.result.text()
    finally:
        tab.shutdown()


def test_endpoints_saved_later_appear_when_the_tab_is_shown_again(qtbot, tandem_home):
    tab = RaceTab()
    qtbot.addWidget(tab)
    tab.show()
    assert tab.view.speculative_side.count() == 1  # only the local pair
    upsert_endpoint(Endpoint("http://127.0.0.1:9", name="later"))
    tab.hide()
    tab.show()
    for combo in (tab.view.plain_side, tab.view.speculative_side):
        assert combo.findData("remote:later") == 1
    assert tab.view.plain_side.currentData() == ""  # the choice did not change
    tab.shutdown()


@pytest.mark.parametrize("chosen", [
    {"mode": "plain"},
    # The tuner chose to speculate: the race still compares against the fastest plain.
    {"mode": "draft", "k": 3, "speedup": 1.3},
])
def test_the_plain_side_runs_the_tuned_fastest_format(race_tab, demo_dir, tandem_home,
                                                      tmp_path, chosen):
    from app.core.bench.tuner import TunedChoice
    from app.core.bench.tuning_store import save_choice

    controller = race_tab.controller
    assert controller.specs()["plain"].target == demo_dir / "target"
    assert controller.new_summary().same_weights
    faster = tmp_path / "demo-int4"
    faster.mkdir()
    (faster / "openvino_model.xml").write_text("<net/>", encoding="utf-8")
    save_choice(TunedChoice("demo", "CPU", "CPU", plain_weights="int4",
                            plain_target=str(faster), **chosen).to_dict())
    assert controller.specs()["plain"].target == faster
    assert controller.specs()["speculative"].target == demo_dir / "target"
    summary = controller.new_summary()
    assert summary.plain_label == "plain int4" and not summary.same_weights
