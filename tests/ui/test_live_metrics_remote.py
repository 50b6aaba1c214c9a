"""Live figures from streams without token ids (OpenAI-style servers) and with a tail."""

from __future__ import annotations

from app.core.engine import StepEvent
from app.ui.shared.live_metrics import LiveMetrics


def test_text_only_chunks_count_as_tokens():
    live = LiveMetrics()
    live.reset(0.0, None, False)
    live.add([StepEvent(i, "word ", (), 0, 0.1 * (i + 1)) for i in range(5)])
    assert live.tokens == 5


def test_local_tail_event_is_not_a_token():
    live = LiveMetrics()
    live.reset(0.0, 3, True)
    live.add([StepEvent(0, "Hi", (7,), 0, 0.1), StepEvent(1, " there", (8, 9, 10), 2, 0.2),
              StepEvent(2, "!", (), 0, 0.3)])
    assert live.tokens == 4
