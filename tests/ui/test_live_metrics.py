"""LiveMetrics from step events: speed points per step, acceptance estimate, final stats."""

from __future__ import annotations

from app.core.engine import StepEvent
from app.ui.shared.live_metrics import LiveMetrics


def _event(index: int, tokens: int, draft: int, t: float) -> StepEvent:
    return StepEvent(index, "x" * tokens, tuple(range(tokens)), draft, t, ((tokens, False),))


def test_figures_from_events_in_one_batch(draft_session) -> None:
    live = LiveMetrics()
    live.reset(submitted=0.0, k=3, speculative=True)
    live.add([_event(0, 1, 0, 0.05), _event(1, 4, 3, 0.07), _event(2, 2, 1, 0.09)])
    assert live.ttft_ms == 50.0
    assert live.tokens == 7 and live.steps == 3
    assert live.accepted == 4 and live.drafted == 6
    assert live.acceptance == 4 / 6
    assert dict(live.histogram) == {3: 1, 1: 1}
    assert [round(x, 2) for x, _ in live.speed_points] == [0.02, 0.04]
    assert round(live.tokens_per_second or 0) == 150
    from app.core.engine import GenerationRequest

    result = draft_session.generate(GenerationRequest.chat("Hi", max_new_tokens=16))
    live.finish(result.stats)
    assert live.acceptance == result.stats.acceptance_rate
    assert live.tokens_per_second == result.stats.throughput_tps
