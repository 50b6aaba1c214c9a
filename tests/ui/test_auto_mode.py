"""The chat window's "Auto (tuned)" mode: it runs what `tandem tune` stored for the pair and
devices (plain, or speculative with the stored K), and falls back to K=3 when untuned."""

from __future__ import annotations

from app.core.bench.tuner import ClassChoice, TunedChoice, stored_choice
from app.core.bench.tuning_store import save_choice
from app.core.engine import Mode
from app.core.settings import RunMode
from tests.ui.conftest import send_and_wait

PROMPT = "Write a Python function to add two numbers."


def _choose_auto(window) -> None:  # type: ignore[no-untyped-def]
    controls = window.chat_tab.controls
    controls.mode.setCurrentIndex(controls.mode.findData(RunMode.AUTO.value))
    controls.max_new.setValue(24)


def test_auto_without_a_stored_choice_runs_k3_and_says_so(qtbot, make_window) -> None:
    window = make_window(wait_loaded=False, autoload=False)
    _choose_auto(window)
    assert stored_choice("demo", "CPU") is None
    spec = window.controls.wanted_spec()
    assert spec.resolved_mode is Mode.DRAFT and spec.draft is not None
    assert window.controls.run_settings().k == 3
    status = window.chat_tab.controls.status.text()
    assert "not tuned yet: run `tandem tune demo`" in status


def test_auto_uses_a_stored_plain_choice(qtbot, make_window) -> None:
    save_choice(TunedChoice("demo", "CPU", "CPU", Mode.PLAIN.value, best_trial="K=4",
                            best_trial_speedup=1.01, plain_weights="f32").to_dict())
    window = make_window(wait_loaded=False, autoload=False)
    _choose_auto(window)
    spec = window.controls.wanted_spec()
    assert spec.resolved_mode is Mode.PLAIN and spec.draft is None
    # In words: the window names the fastest plain format (issue 11).
    assert "Auto: on this PC, plain f32 is fastest for this pair" in \
        window.chat_tab.controls.status.text()
    result = send_and_wait(qtbot, window, PROMPT)
    assert result.stats.mode == "plain"
    assert window.generation.spec == spec
    saved = window.conversations.store.find()[0].turns[-1].settings
    assert saved["engine_mode"] == "plain"


def test_auto_uses_a_stored_k2_choice(qtbot, make_window) -> None:
    save_choice(TunedChoice("demo", "CPU", "CPU", Mode.DRAFT.value, k=2, speedup=1.4,
                            best_trial="K=2", best_trial_speedup=1.4).to_dict())
    # Another device's choice must not leak into CPU's.
    save_choice(TunedChoice("demo", "GPU", "GPU", Mode.PLAIN.value).to_dict())
    window = make_window(wait_loaded=False, autoload=False)
    _choose_auto(window)
    window.chat_tab.controls.k.setValue(7)  # the manual K is ignored in auto mode
    spec = window.controls.wanted_spec()
    assert spec.resolved_mode is Mode.DRAFT and spec.draft is not None
    request = window.controls.run_settings().request((), spec.resolved_mode)
    assert request.num_assistant_tokens == 2 and request.confidence_threshold is None
    assert "K=2: 1.40× faster" in window.chat_tab.controls.status.text()
    result = send_and_wait(qtbot, window, PROMPT)
    assert result.stats.mode == "draft" and result.stats.num_assistant_tokens == 2
    # The saved settings keep "auto", so the next launch stays in auto mode.
    window.save_settings()
    assert window.controls.generation_settings().mode is RunMode.AUTO


def test_auto_routes_chat_to_plain_when_the_tuner_found_speculation_slower_there(
        qtbot, make_window) -> None:
    # As on the real Qwen pair (issue 11): speculation won on code and lost on chat, so
    # the tuner stored a routed choice; auto loads both and routes each prompt. (Stored
    # before summaries were a class of their own: they were "chat" then, and still run
    # plain with this choice.)
    save_choice(TunedChoice("demo", "CPU", "CPU", Mode.DRAFT.value, k=4, speedup=1.4,
                            best_trial="K=4", best_trial_speedup=1.1, chosen_label="K=4",
                            plain_weights="f32", plain_classes=("chat",)).to_dict())
    window = make_window(wait_loaded=False, autoload=False)
    _choose_auto(window)
    spec = window.controls.wanted_spec()
    assert spec.resolved_mode is Mode.DRAFT
    assert [(r.classes, r.mode) for r in spec.routes] == [(("summary", "chat"), Mode.PLAIN)]
    assert ("K=4: 1.40× faster than plain f32 on code, edit prompts; summary, chat prompts "
            "run plain f32") \
        in window.chat_tab.controls.status.text()
    code = send_and_wait(qtbot, window, PROMPT)
    assert code.stats.mode == "draft" and code.stats.num_assistant_tokens == 4
    chat = send_and_wait(qtbot, window, "Tell me about speculative decoding.")
    assert chat.stats.mode == "plain" and chat.stats.acceptance_rate is None


EDIT = ("Rename the parameter `values` to `numbers` in this code and return the whole code:"
        "\n\ndef mean(values):\n    total = sum(values)\n    return total / len(values)\n")


def test_auto_runs_each_prompt_class_on_its_own_winner(qtbot, make_window) -> None:
    """Each class's winner (issue 20): code on GenAI's draft K=4, edits on the hybrid, chat
    plain; the window loads one pipeline per setting and routes each prompt to its own."""
    classes = (ClassChoice("code", "draft", 4, None, 1.3, "K=4"),
               ClassChoice("edit", "hybrid", 3, None, 1.5, "hybrid K=3"),
               ClassChoice("summary", "draft", 4, None, 1.1, "K=4"),
               ClassChoice("chat"))
    save_choice(TunedChoice("demo", "CPU", "CPU", Mode.DRAFT.value, k=4, speedup=1.2,
                            best_trial="K=4", best_trial_speedup=1.2, chosen_label="K=4",
                            plain_weights="f32", plain_classes=("chat",),
                            class_choices=classes).to_dict())
    window = make_window(wait_loaded=False, autoload=False)
    _choose_auto(window)
    spec = window.controls.wanted_spec()
    assert spec.resolved_mode is Mode.DRAFT
    assert [(r.classes, r.mode, r.k, r.ngram) for r in spec.routes] == [
        (("edit",), Mode.UNIVERSAL, 3, 3), (("chat",), Mode.PLAIN, None, None)]
    assert ("Auto: per prompt class: code K=4 1.30×; edit hybrid K=3 1.50×; summary K=4 "
            "1.10×; chat plain f32") in window.chat_tab.controls.status.text()
    code = send_and_wait(qtbot, window, PROMPT)
    assert code.stats.mode == "draft" and code.stats.num_assistant_tokens == 4
    edit = send_and_wait(qtbot, window, EDIT)
    assert edit.stats.mode == "universal" and edit.stats.num_assistant_tokens == 3
    chat = send_and_wait(qtbot, window, "Tell me about speculative decoding.")
    assert chat.stats.mode == "plain"
    # Sampling on: the spec says so, so a draft route would load Tandem's loop for it.
    window.chat_tab.controls.sample.setChecked(True)
    assert window.controls.wanted_spec().sampled


def test_auto_says_which_routes_it_left_out_for_memory(qtbot, make_window,
                                                       monkeypatch) -> None:
    """Free memory for the pair's own pipeline and one more: the edit route (the faster)
    loads, chat's does not, and the status line says chat runs the pair's own setting."""
    from app.core import sysinfo
    from app.core.engine import PairSpec
    from app.core.engine.preflight import needed_bytes

    classes = (ClassChoice("code", "draft", 4, None, 1.3, "K=4"),
               ClassChoice("edit", "hybrid", 3, None, 1.5, "hybrid K=3"),
               ClassChoice("chat"))
    save_choice(TunedChoice("demo", "CPU", "CPU", Mode.DRAFT.value, k=4, speedup=1.2,
                            chosen_label="K=4", plain_weights="f32", plain_classes=("chat",),
                            class_choices=classes).to_dict())
    window = make_window(wait_loaded=False, autoload=False)
    _choose_auto(window)
    spec = window.controls.wanted_spec()
    one = needed_bytes(PairSpec(spec.target, spec.draft))
    monkeypatch.setattr(sysinfo, "available_memory_bytes", lambda: int(2.5 * one))
    chat = send_and_wait(qtbot, window, "Tell me about speculative decoding.")
    assert chat.stats.mode == "draft"  # its plain route did not fit
    status = window.chat_tab.controls.status.text()
    assert "Loaded without some routes: not enough free memory for 1 of Auto's routes: " \
           "summary, chat prompts run the pair's own setting" in status  # summary: as chat
    edit = send_and_wait(qtbot, window, EDIT)
    assert edit.stats.mode == "universal"
