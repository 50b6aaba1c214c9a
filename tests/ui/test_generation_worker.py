"""The worker and its host without the window: what the race tab relies on."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from app.core.engine import GenerationRequest, PairSpec, StepEvent
from app.ui.workers.generation_controller import GenerationController
from app.ui.workers.worker_host import WorkerHost


def test_host_loads_generates_and_reports_errors(qtbot, demo_dir: Path) -> None:
    host = WorkerHost(PairSpec(demo_dir / "target", demo_dir / "draft"))
    try:
        with qtbot.waitSignal(host.loaded, timeout=60_000) as loaded:
            host.load()
        assert loaded.args[0]["mode"] == "draft"
        steps: list[StepEvent] = []
        host.step.connect(lambda _rid, event: steps.append(event))
        request = GenerationRequest.chat("Hello!", max_new_tokens=24, num_assistant_tokens=2)
        with qtbot.waitSignal(host.finished, timeout=60_000) as done:
            request_id = host.generate(request)
        assert done.args[0] == request_id
        result = done.args[1]
        assert "".join(e.text for e in steps) == result.text
        assert sum(e.draft_tokens for e in steps[1:]) == result.stats.accepted_tokens
        bad = GenerationRequest.chat("Hi", num_assistant_tokens=2, confidence_threshold=0.5)
        with qtbot.waitSignal(host.failed, timeout=60_000) as failed:
            bad_id = host.generate(bad)
        assert failed.args[0] == bad_id
        assert failed.args[1]["kind"] == "invalid_settings" and failed.args[1]["hint"]
    finally:
        with qtbot.waitSignal(host.retired, timeout=30_000):
            host.retire()  # never blocks; `retired` once the thread has ended
    assert host.worker_thread.isFinished()


def test_load_failure_is_a_message_with_a_hint(qtbot, tmp_path: Path) -> None:
    host = WorkerHost(PairSpec(tmp_path / "missing"))
    try:
        with qtbot.waitSignal(host.load_failed, timeout=30_000) as failed:
            host.load()
        assert failed.args[0]["message"] and failed.args[0]["hint"]
    finally:
        host.shutdown()


def test_late_events_of_a_stopped_run_never_reach_the_view(qtbot, demo_dir: Path) -> None:
    controller = GenerationController()
    try:
        with qtbot.waitSignal(controller.loaded, timeout=60_000):
            controller.ensure_pair(PairSpec(demo_dir / "target", demo_dir / "draft"))
        host = controller.host
        assert host is not None
        stopped_ids: list[int] = []
        def stop_at_once(rid: int, _event: object) -> None:
            stopped_ids.append(rid)
            host.worker.stop_current()

        host.worker.step.connect(stop_at_once, Qt.ConnectionType.DirectConnection)
        seen: list[int] = []
        controller.steps.connect(lambda rid, _events: seen.append(rid))
        request = GenerationRequest.chat("Hello!", max_new_tokens=64)
        with qtbot.waitSignal(controller.run_finished, timeout=60_000) as done:
            first = controller.start(request)
        assert done.args[1].stats.finish_reason == "stopped"
        assert seen and set(seen) == {first}
        # A straggler of the stopped run arrives, also during the next run: dropped.
        late = StepEvent(99, "late", (1,), 0, 0.0, ((4, False),))
        before = len(seen)
        host.step.emit(first, late)
        qtbot.wait(80)
        assert len(seen) == before
        host.worker.step.disconnect(stop_at_once)
        with qtbot.waitSignal(controller.run_finished, timeout=60_000):
            second = controller.start(request)
            host.step.emit(first, late)
        assert first != second and seen.count(first) == before
        assert seen.count(second) > 0  # the next run's own events do arrive
        assert stopped_ids and set(stopped_ids) == {first}
    finally:
        controller.shutdown()
