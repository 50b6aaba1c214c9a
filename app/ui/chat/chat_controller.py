"""Behind the chat: sending, streaming, stop, regenerate, and the live metrics. Saves the
conversation after every turn, with the answer's statistics and the settings used."""

from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QMessageBox

from app.core.conversations import Conversation, Turn, title_from_prompt
from app.core.engine import GenerationResult, Mode, StepEvent
from app.ui.chat.chat_tab import ChatTab
from app.ui.chat.chat_text import merge_runs, runs_from_event
from app.ui.chat.controls_controller import ControlsController
from app.ui.chat.conversations_controller import ConversationsController
from app.ui.shared.live_metrics import CHART_REFRESH_S, LiveMetrics
from app.ui.workers.generation_controller import GenerationController


@dataclass
class PendingRun:
    request_id: int
    conversation_id: str
    settings: dict


class ChatController(QObject):
    answer_finished = Signal(object)  # GenerationResult, after the turn is saved

    def __init__(self, tab: ChatTab, conversations: ConversationsController,
                 generation: GenerationController, controls: ControlsController) -> None:
        super().__init__(tab)
        self.tab = tab
        self.conversations = conversations
        self.store = conversations.store
        self.generation = generation
        self.controls = controls
        self.pending: PendingRun | None = None
        self.editing: int | None = None  # the user turn being edited, if any
        self.confirm_box: QMessageBox | None = None
        self.live = LiveMetrics()
        self.last_result: GenerationResult | None = None
        self._charts_at = 0.0
        chat = tab.chat
        chat.input.submitted.connect(self.send)
        chat.input.stop_requested.connect(self.stop)
        chat.send.clicked.connect(lambda: self.send(chat.input.toPlainText().strip()))
        chat.stop.clicked.connect(self.stop)
        chat.regenerate.clicked.connect(self.regenerate)
        chat.tint_switch.toggled.connect(chat.view.set_tint)
        chat.view.suggestion_clicked.connect(self.send)
        chat.view.edit_requested.connect(self.begin_edit)
        chat.view.copied.connect(lambda i: chat.status.setText(f"Message {i + 1} copied."))
        chat.edit_banner.cancel.clicked.connect(self.cancel_edit)
        conversations.error.connect(self.show_error)
        conversations.busy_chat = lambda: self.pending.conversation_id if self.pending else None
        controls.error.connect(self.show_error)
        generation.steps.connect(self._on_steps)
        generation.run_finished.connect(self._on_finished)
        generation.run_failed.connect(self._on_failed)

    @property
    def conversation(self) -> Conversation | None:
        return self.conversations.conversation

    @conversation.setter
    def conversation(self, value: Conversation | None) -> None:
        self.conversations.conversation = value

    # -- runs -----------------------------------------------------------------------------

    @Slot(str)
    def send(self, text: str) -> None:
        text = text.strip()
        if not text or self.pending is not None:
            return
        if self.editing is not None:
            self.ask_resend(self.editing, text)
            return
        if self.conversation is None:
            self.conversation = Conversation.new()
        view = self.tab.chat.view
        shown = view.conversation
        shown_turns = len(shown.turns) if shown is not None and \
            shown.id == self.conversation.id else -1
        # Another instance may have added turns meanwhile: start from the file on disk.
        on_disk = self.store.load(self.conversation.id)
        if on_disk is not None:
            on_disk.system_prompt = self.conversation.system_prompt
            self.conversation = on_disk
        if not self.conversation.turns:
            self.conversation.title = title_from_prompt(text)
        self.conversation.turns.append(Turn("user", text))
        self.store.save(self.conversation)
        self.tab.chat.input.clear()
        if shown_turns > 0 and shown_turns == len(self.conversation.turns) - 1:
            view.adopt(self.conversation)
            view.append_turn(shown_turns, self.conversation.turns[-1])
        else:
            view.show_conversation(self.conversation)
        self.conversations.refresh_list()
        self._run()

    # -- editing an earlier message -----------------------------------------------------

    @Slot(int)
    def begin_edit(self, index: int) -> None:
        """Put a user message back in the input; Send then resends it in its place."""
        conv = self.conversation
        if conv is None or self.pending is not None or index >= len(conv.turns) \
                or conv.turns[index].role != "user":
            return
        self.editing = index
        chat = self.tab.chat
        chat.input.setPlainText(conv.turns[index].content)
        chat.input.setFocus()
        chat.edit_banner.show_edit(index + 1, len(conv.turns) - index - 1)

    @Slot()
    def cancel_edit(self) -> None:
        self.editing = None
        self.tab.chat.edit_banner.hide()
        self.tab.chat.input.clear()

    def ask_resend(self, index: int, text: str) -> QMessageBox | None:
        """Resend an edited message; when later turns would be replaced, ask first (the
        box is window-modal and answers through a signal, so nothing blocks)."""
        conv = self.conversation
        assert conv is not None
        later = len(conv.turns) - index - 1
        if later <= 0:
            self.resend(index, text)
            return None
        box = QMessageBox(QMessageBox.Icon.Question, "Replace later messages?",
                          f"Resending message {index + 1} replaces the {later} message"
                          f"{'s' if later != 1 else ''} after it. They cannot be restored.",
                          QMessageBox.StandardButton.Cancel, self.tab.window())
        replace_button = box.addButton("Replace and resend",
                                       QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(replace_button)
        box.setObjectName("ConfirmResend")
        box.finished.connect(lambda _r: self.resend(index, text)
                             if box.clickedButton() is replace_button else None)
        box.open()
        self.confirm_box = box
        return box

    def resend(self, index: int, text: str) -> None:
        conv = self.conversation
        if conv is None or self.pending is not None or index >= len(conv.turns):
            return
        self.editing = None
        self.tab.chat.edit_banner.hide()
        del conv.turns[index:]
        conv.turns.append(Turn("user", text))
        self.store.save(conv)
        self.tab.chat.input.clear()
        self.tab.chat.view.show_conversation(conv)
        self.conversations.refresh_list()
        self._run()

    @Slot()
    def regenerate(self) -> None:
        conv = self.conversation
        if conv is None or not conv.turns or self.pending is not None:
            return
        view = self.tab.chat.view
        if conv.turns[-1].role == "assistant":
            conv.turns.pop()
            self.store.save(conv)
            if not view.drop_last_turn(conv):
                view.show_conversation(conv)
        else:
            view.show_conversation(conv)
        self._run()

    def _run(self) -> None:
        assert self.conversation is not None
        self.tab.chat.error.hide()
        spec = self.controls.wanted_spec()
        if not self.generation.ensure_pair(spec):
            return
        gen = self.controls.run_settings()
        request = gen.request(self.conversation.messages(), spec.resolved_mode)
        self.live.reset(time.monotonic(), request.num_assistant_tokens
                        if spec.resolved_mode in (Mode.DRAFT, Mode.UNIVERSAL) else None,
                        spec.resolved_mode is not Mode.PLAIN)
        request_id = self.generation.start(request)
        if request_id is None:
            return
        settings = {"pair": self.controls.pair().id, "pair_name": spec.label(),
                    "device": spec.device, "draft_device": spec.draft_device,
                    "engine_mode": spec.resolved_mode.value, **gen.to_dict(),
                    "seed": request.seed}  # the seed this answer used (None: greedy)
        self.pending = PendingRun(request_id, self.conversation.id, settings)
        self.tab.chat.view.begin_answer()
        self.tab.chat.set_running(True)
        self.tab.metrics.show_metrics(self.live)
        self.tab.metrics.summary.setText(f"Generating with {spec.label()}…")

    @Slot()
    def stop(self) -> None:
        if self.pending is not None:
            self.generation.stop()
            self.tab.chat.status.setText("Stopping…")

    @Slot(int, list)
    def _on_steps(self, request_id: int, events: list[StepEvent]) -> None:
        if self.pending is None or request_id != self.pending.request_id:
            return
        self.tab.chat.view.append_steps(events)
        self.live.add(events)
        now = time.monotonic()
        charts = now - self._charts_at >= CHART_REFRESH_S
        if charts:
            self._charts_at = now
        self.tab.metrics.show_metrics(self.live, charts=charts)

    @Slot(int, object)
    def _on_finished(self, request_id: int, result: GenerationResult) -> None:
        pending = self._take_pending(request_id)
        if pending is None:
            return
        runs = merge_runs([run for e in result.steps for run in runs_from_event(e)])
        stats = {**result.stats.to_dict(), "summary": result.stats.summary()}
        turn = Turn("assistant", result.text, stats=stats, settings=pending.settings,
                    tint=runs)
        conv = self.store.load(pending.conversation_id) or self.conversation
        assert conv is not None
        shown = self.conversation is not None and self.conversation.id == conv.id
        in_step = shown and self.conversation is not None \
            and len(conv.turns) == len(self.conversation.turns)
        conv.turns.append(turn)
        self.store.save(conv)
        if shown:
            self.conversation = conv
            self.tab.chat.view.adopt(conv)
        self.live.finish(result.stats)
        self.last_result = result
        self.tab.chat.status.setText("Stopped; the partial answer was kept."
                                     if result.stats.finish_reason == "stopped" else "")
        self.show_context(result)
        if in_step:
            self.tab.chat.view.finish_answer(len(conv.turns) - 1, turn)
        else:  # another instance changed this chat meanwhile: show it whole
            self.conversations.show_current()
        # The rest in later event-loop turns, so no single step blocks the loop for long.
        QTimer.singleShot(0, lambda: self._after_answer(result))

    def _after_answer(self, result: GenerationResult) -> None:
        if self.pending is None:  # unless a new answer has already started
            self.tab.metrics.show_metrics(self.live)
        QTimer.singleShot(0, lambda: self._announce(result))

    def _announce(self, result: GenerationResult) -> None:
        self.conversations.refresh_list()
        self.answer_finished.emit(result)

    @Slot(int, dict)
    def _on_failed(self, request_id: int, error: dict) -> None:
        if self._take_pending(request_id) is None:
            return
        self.conversations.show_current()
        self.tab.chat.status.setText("")
        if error.get("kind") == "not_loaded" and self.generation.last_error:
            error = self.generation.last_error  # the load failure says what went wrong
        if error.get("kind") != "stopped":
            self.show_error(error.get("message", "Generation failed."), error.get("hint", ""))

    def _take_pending(self, request_id: int) -> PendingRun | None:
        if self.pending is None or self.pending.request_id != request_id:
            return None
        pending, self.pending = self.pending, None
        self.tab.chat.view.end_answer()
        self.tab.chat.set_running(False)
        return pending

    def show_context(self, result: GenerationResult) -> None:
        """How much of the context the chat fills, by the pair's tokenizer."""
        stats = result.stats
        used = stats.input_tokens + stats.generated_tokens
        limit = f" of {stats.context_length:,}" if stats.context_length else ""
        dropped = f" · {stats.dropped_turns} left out" if stats.dropped_turns else ""
        self.tab.chat.context.setText(f"context {used:,}{limit} tokens{dropped}")

    # -- errors -------------------------------------------------------------------------

    @Slot(str, str)
    def show_error(self, message: str, hint: str) -> None:
        self.tab.chat.error.show_error(message, hint)
