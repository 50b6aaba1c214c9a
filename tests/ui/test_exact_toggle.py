"""The window's "Exact (f32)" switch (issue 20 section 4): ticking it reloads the pair with
f32 arithmetic, the status line says so, the race follows it, and it survives a restart."""

from __future__ import annotations

from app.core.settings import load_settings
from app.ui.workers.generation_controller import PairState
from tests.ui.conftest import LOAD_TIMEOUT_MS, send_and_wait

PROMPT = "Tell me about speculative decoding."


def test_exact_reloads_says_so_and_is_kept(qtbot, make_window) -> None:
    first = make_window()
    controls = first.chat_tab.controls
    controls.max_new.setValue(24)
    assert first.generation.spec is not None and not first.generation.spec.exact
    before = send_and_wait(qtbot, first, PROMPT)

    controls.exact.setChecked(True)
    qtbot.waitUntil(lambda: first.generation.spec is not None and first.generation.spec.exact
                    and first.generation.state is PairState.READY, timeout=LOAD_TIMEOUT_MS)
    assert "Exact (f32)" in controls.status.text()
    assert first.race_tab.controller.specs()["speculative"].exact
    assert first.race_tab.controller.specs()["plain"].exact
    after = send_and_wait(qtbot, first, PROMPT)
    # The demo pair computes in f32 already: the same text, now by request.
    assert after.text == before.text
    first.close()
    assert load_settings().settings.generation.exact

    second = make_window()
    assert second.chat_tab.controls.exact.isChecked()
    assert second.generation.spec is not None and second.generation.spec.exact
