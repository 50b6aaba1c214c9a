"""Regenerate with sampling gives a new answer: a fresh seed per run unless the user fixed
one, and the seed each answer used is saved with it (issue 13 item 8)."""

from __future__ import annotations

from app.core.conversations import ConversationStore
from tests.ui.conftest import send_and_wait

PROMPT = "Tell me about speculative decoding."


def _regenerate(qtbot, window) -> object:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.chat.answer_finished, timeout=60_000,
                          raising=False) as blocker:
        window.chat.regenerate()
    assert blocker.signal_triggered, window.chat_tab.chat.error.text()
    return blocker.args[0]


def _saved_seed(window) -> int:  # type: ignore[no-untyped-def]
    turns = ConversationStore().load(window.chat.conversation.id).turns
    assert [t.role for t in turns] == ["user", "assistant"]
    seed = turns[-1].settings["seed"]
    assert isinstance(seed, int)
    return seed


def test_regenerate_with_sampling_draws_a_new_seed_and_records_it(qtbot, make_window) -> None:
    window = make_window()
    controls = window.chat_tab.controls
    # Plain sampling: speculative sampling still fails on some seeds in GenAI 2026.4.1
    # (issue 13 item 4, fixed separately); the seed handling is the same for every mode.
    controls.mode.setCurrentIndex(controls.mode.findData("plain"))
    controls.max_new.setValue(48)
    controls.sample.setChecked(True)
    controls.temperature.setValue(1.5)
    controls.top_p.setValue(1.0)
    assert controls.seed.text() == "Random"  # the default: a new seed per answer
    first = send_and_wait(qtbot, window, PROMPT)
    first_seed = _saved_seed(window)
    answers, seeds = {first.text}, [first_seed]
    # The demo model knows this answer well: 3 identical sampled answers in a row came up
    # in 1 of 20 rounds of tests/ui, so about 1 draw in 5 repeats the first. Up to 7 draws
    # make a false failure about 1 in 10^4; a seed that is not really new fails every time.
    while len(answers) < 2 and len(seeds) < 7:
        answers.add(_regenerate(qtbot, window).text)
        seeds.append(_saved_seed(window))
    assert len(set(seeds)) == len(seeds), f"a seed was drawn twice: {seeds}"
    assert len(answers) >= 2, f"{len(seeds)} sampled answers at temperature 1.5 were identical"

    # The recorded seed is the one the run used: fixing it reproduces the first answer.
    controls.seed.setValue(first_seed)
    again = _regenerate(qtbot, window)
    assert again.text == first.text and _saved_seed(window) == first_seed
    assert _regenerate(qtbot, window).text == first.text
    window.save_settings()
    saved = window.collect_settings().generation
    assert saved.fix_seed and saved.seed == first_seed
