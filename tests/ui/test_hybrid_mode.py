"""The window's Hybrid mode (issue 20, section 2): prompt lookup where the context repeats,
the draft elsewhere, on Tandem's loop. The transcript marks the two sources apart (draft
green, lookup amber), the saved chat keeps which was which, and Auto runs a stored hybrid
choice."""

from __future__ import annotations

from PySide6.QtGui import QColor, QTextCursor

from app.core.bench.tuner import TunedChoice
from app.core.bench.tuning_store import save_choice
from app.core.conversations import ORIGIN_DRAFT, ORIGIN_LOOKUP
from app.core.engine import Mode
from app.core.settings import RunMode
from app.ui.chat.chat_text import step_tooltip
from app.ui.theme import theme
from app.ui.workers.generation_controller import PairState
from tests.ui.conftest import LOAD_TIMEOUT_MS, send_and_wait

PROMPT = "Tell me about speculative decoding."


def _origins(window, answer: int) -> dict[int, tuple[QColor, str]]:  # type: ignore[no-untyped-def]
    """Each origin seen in an answer, with its characters' background and tooltip."""
    view = window.chat_tab.chat.view
    found: dict[int, tuple[QColor, str]] = {}
    for position in range(view.document().characterCount() - 1):
        origin = view.origin_at(position)
        if origin is not None and origin[0] == answer and origin[3] not in found:
            cursor = QTextCursor(view.document())
            cursor.setPosition(position + 1)
            found[origin[3]] = (cursor.charFormat().background().color(),
                                step_tooltip(*origin[1:]))
    return found


def _choose(window, mode: RunMode) -> None:  # type: ignore[no-untyped-def]
    controls = window.chat_tab.controls
    controls.mode.setCurrentIndex(controls.mode.findData(mode.value))
    controls.max_new.setValue(48)


def test_hybrid_marks_lookup_and_draft_tokens_apart(qtbot, make_window) -> None:
    window = make_window()
    _choose(window, RunMode.HYBRID)
    controls = window.chat_tab.controls
    assert controls.form.isRowVisible(controls.ngram) and controls.form.isRowVisible(controls.k)
    qtbot.waitUntil(lambda: window.generation.spec is not None
                    and window.generation.spec.resolved_mode is Mode.UNIVERSAL
                    and window.generation.state is PairState.READY, timeout=LOAD_TIMEOUT_MS)
    first = send_and_wait(qtbot, window, PROMPT)
    # Asked again, the answer repeats the first one, which is in the context: lookup.
    second = send_and_wait(qtbot, window, PROMPT)
    assert second.text == first.text
    assert first.library.get("draft_accepted", 0) > 0
    assert second.library["lookup_accepted"] > 0

    assert _origins(window, 1)[ORIGIN_DRAFT][0] == QColor(theme.DRAFT_TINT)
    tint, tip = _origins(window, 3)[ORIGIN_LOOKUP]
    assert tint == QColor(theme.LOOKUP_TINT) != QColor(theme.DRAFT_TINT)
    assert "prompt-lookup token" in tip and "looked-up token" in tip

    saved = window.conversations.store.find()[0].turns[-1]
    assert any(run[3] == ORIGIN_LOOKUP for run in saved.tint)
    assert saved.settings["engine_mode"] == "universal"


def test_auto_runs_a_stored_hybrid_choice(qtbot, make_window) -> None:
    save_choice(TunedChoice("demo", "CPU", "CPU", "hybrid", k=4, speedup=1.3,
                            best_trial="hybrid K=4", chosen_label="hybrid K=4",
                            best_trial_speedup=1.3).to_dict())
    window = make_window(wait_loaded=False, autoload=False)
    _choose(window, RunMode.AUTO)
    spec = window.controls.wanted_spec()
    assert spec.resolved_mode is Mode.UNIVERSAL and spec.draft is not None
    request = window.controls.run_settings().request((), spec.resolved_mode)
    assert (request.num_assistant_tokens, request.max_ngram_size) == (4, 3)
    assert "hybrid K=4: 1.30× faster" in window.chat_tab.controls.status.text()


def test_the_hybrid_to_confidence_shows_its_threshold_and_runs_it(qtbot, make_window) -> None:
    """"Hybrid · lookup + draft to confidence": the Confidence row replaces K, and the
    answer runs on the loop with the threshold, the lookup and plain's text."""
    window = make_window()
    plain = send_and_wait(qtbot, window, PROMPT)  # the demo pair's default: GenAI, K=3
    _choose(window, RunMode.HYBRID_CONFIDENCE)
    controls = window.chat_tab.controls
    assert controls.mode.currentText() == "Hybrid · lookup + draft to confidence"
    assert controls.form.isRowVisible(controls.confidence)
    assert controls.form.isRowVisible(controls.ngram)
    assert not controls.form.isRowVisible(controls.k)
    controls.confidence.setValue(0.5)
    qtbot.waitUntil(lambda: window.generation.spec is not None
                    and window.generation.spec.resolved_mode is Mode.UNIVERSAL
                    and window.generation.state is PairState.READY, timeout=LOAD_TIMEOUT_MS)
    answer = send_and_wait(qtbot, window, PROMPT)
    assert answer.stats.confidence_threshold == 0.5
    assert answer.stats.num_assistant_tokens is None
    assert answer.library.get("lookup_accepted", 0) > 0  # the first answer is in the context
    assert answer.text == plain.text
