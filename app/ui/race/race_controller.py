"""The race's behaviour: two generation workers (plain and speculative) on the same prompt,
one after the other by default, N rounds, live panes and timeline, the result line.

Each side has its own WorkerHost (generation_worker.py), so each pipeline is loaded once
and lives on its own thread. Events of a stopped or superseded run carry an old request
id and are dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.core.bench.race import RaceRound, RaceSummary, devices_overlap, race_markdown
from app.core.bench.race import timeline as result_timeline
from app.core.bench.tuner import TunedChoice, fastest_plain_target, stored_choice
from app.core.engine import (
    LOOKUP_SOURCE,
    GenerationRequest,
    GenerationResult,
    Mode,
    PairSpec,
    StepEvent,
)
from app.core.store.pairs import ReadyPair, list_ready_pairs
from app.ui.race.race_view import RaceView
from app.ui.shared.remote_pairs import remote_ready_pairs, remote_spec
from app.ui.workers.worker_host import WorkerHost

SIDES = ("plain", "speculative")
FLUSH_MS = 30


class RaceController(QObject):
    round_finished = Signal(int)  # rounds done so far
    race_finished = Signal(object)  # RaceSummary
    race_failed = Signal(str)

    def __init__(self, view: RaceView, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.pairs: list[ReadyPair] = [p for p in list_ready_pairs() if p.draft is not None]
        for pair in self.pairs:
            view.pair.addItem(pair.name, pair.id)
        self.remotes: list[ReadyPair] = []
        self.refresh_remotes()
        self.device = "CPU"
        # OpenVINO's model cache folder for GPU/NPU loads (None: off); set by the window.
        self.cache_dir: Callable[[], Path | None] = lambda: None
        # The chat's Exact setting (f32 arithmetic on both sides); set by the window.
        self.exact: Callable[[], bool] = lambda: False
        self.draft_device: str | None = None
        self.hosts: dict[str, WorkerHost] = {}
        self._loaded: set[str] = set()
        self._loading = ""  # the side whose pipeline is loading now
        self.summary = RaceSummary()
        self.running = False
        self._rounds_wanted = 0
        self._ids: dict[str, int] = {}
        self._results: dict[str, GenerationResult] = {}
        self._started: dict[str, float] = {}
        self._round_sides: set[str] = set()
        self._live: dict[str, list[tuple[float, int]]] = {s: [] for s in SIDES}
        self._pending: dict[str, list[StepEvent]] = {s: [] for s in SIDES}
        self._timer = QTimer(self)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self._flush)
        view.run_button.clicked.connect(self.start)
        view.stop_button.clicked.connect(self.stop)
        for combo in (view.pair, view.plain_side, view.speculative_side):
            combo.currentIndexChanged.connect(lambda _i: self._update_simultaneous())
        self._update_simultaneous()

    # -- settings -------------------------------------------------------------------------

    def refresh_pairs(self) -> None:
        """Re-read the local ready pairs (a pull finished, the store changed on disk)."""
        if self.running:
            return
        chosen = self.view.pair.currentData()
        self.pairs = [p for p in list_ready_pairs() if p.draft is not None]
        self.view.pair.blockSignals(True)
        self.view.pair.clear()
        for pair in self.pairs:
            self.view.pair.addItem(pair.name, pair.id)
        self.view.pair.setCurrentIndex(max(0, self.view.pair.findData(chosen)))
        self.view.pair.blockSignals(False)
        self._update_simultaneous()

    def refresh_remotes(self) -> None:
        """Offer each saved endpoint on both sides (keeping the current choices)."""
        self.remotes = remote_ready_pairs()
        for combo in (self.view.plain_side, self.view.speculative_side):
            chosen = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for remote in self.remotes:
                combo.addItem(remote.name, remote.id)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.blockSignals(False)

    def follow_chat(self, pair_id: str, device: str, draft_device: str | None) -> None:
        """Select the chat's pair and devices (unless the pair cannot race: no draft)."""
        index = self.view.pair.findData(pair_id)
        if index >= 0:
            self.view.pair.setCurrentIndex(index)
            self.device, self.draft_device = device, draft_device
            self._update_simultaneous()

    def _remote(self, side: str) -> ReadyPair | None:
        combo = self.view.plain_side if side == "plain" else self.view.speculative_side
        chosen = combo.currentData()
        return next((r for r in self.remotes if r.id == chosen), None)

    def plain_choice(self) -> TunedChoice | None:
        """The tuner's stored choice for the selected pair (it names the fastest plain)."""
        if not self.pairs:
            return None
        pair = self.pairs[max(0, self.view.pair.currentIndex())]
        return stored_choice(pair.id, self.device, self.draft_device)

    def new_summary(self) -> RaceSummary:
        specs = self.specs()
        choice = self.plain_choice()
        plain, spec = specs["plain"], specs["speculative"]
        label = f"plain {choice.plain_weights}" if choice and choice.plain_weights else ""
        return RaceSummary(plain_label=label,
                           same_weights=bool(plain.endpoint or spec.endpoint)
                           or plain.target == spec.target)

    def specs(self) -> dict[str, PairSpec]:
        pair = self.pairs[max(0, self.view.pair.currentIndex())]
        # The plain side runs the target's fastest format when the tuner found one, whether
        # or not it chose to speculate (the race compares against the best plain).
        plain_target = fastest_plain_target(self.plain_choice(), pair.target)
        specs = {"plain": PairSpec(plain_target, None, self.device, None, Mode.PLAIN,
                                   pair.name),
                 "speculative": PairSpec(pair.target, pair.draft, self.device,
                                         self.draft_device,
                                         Mode.UNIVERSAL if pair.universal else None,
                                         name=pair.name)}
        cache, exact = self.cache_dir(), self.exact()
        specs = {side: replace(spec, cache_dir=cache, exact=exact)
                 for side, spec in specs.items()}
        for side in SIDES:
            remote = self._remote(side)
            if remote is not None:  # a saved endpoint runs this side instead
                specs[side] = remote_spec(remote)
        return specs

    def can_run_simultaneously(self) -> bool:
        specs = self.specs()
        if any(spec.endpoint for spec in specs.values()):
            return True  # a server uses none of this machine's cores
        spec = specs["speculative"]
        return not devices_overlap(specs["plain"].device,
                                   (spec.device, spec.resolved_draft_device))

    def _update_simultaneous(self) -> None:
        allowed = bool(self.pairs) and self.can_run_simultaneously()
        self.view.simultaneous.setEnabled(allowed)
        if not allowed:
            self.view.simultaneous.setChecked(False)

    def request(self, side: str) -> GenerationRequest:
        return GenerationRequest.chat(
            self.view.prompt.text().strip(), max_new_tokens=self.view.max_tokens.value(),
            num_assistant_tokens=self.view.k.value() if side == "speculative" else None)

    # -- hosts ----------------------------------------------------------------------------

    def _ensure_hosts(self) -> None:
        specs = self.specs()
        for side in SIDES:
            host = self.hosts.get(side)
            if host is not None and host.spec == specs[side]:
                continue
            if host is not None:
                host.retire()  # never waits; the next load starts once it is gone
                if self._loading == side:
                    self._loading = ""  # its load will never be reported: load the new one
            self._loaded.discard(side)
            host = WorkerHost(specs[side], owner=self)
            host.loaded.connect(lambda _info, s=side: self._on_loaded(s))
            host.load_failed.connect(lambda error: self._on_load_failed(error))
            host.step.connect(lambda rid, event, s=side: self._on_step(s, rid, event))
            host.finished.connect(lambda rid, result, s=side: self._on_finished(s, rid, result))
            host.failed.connect(lambda rid, error, s=side: self._on_failed(s, rid, error))
            self.hosts[side] = host
        self._load_next()

    def _load_next(self) -> None:
        # One pipeline at a time: two loads at once on two threads were seen to fail now and
        # then in GenAI 2026.4.1 ("Failed to load shared object ... libopenvino_tokenizers").
        if self._loading:
            return
        for side in SIDES:
            if side not in self._loaded:
                self._loading = side
                self.hosts[side].load()
                return

    # -- the race -------------------------------------------------------------------------

    @Slot()
    def start(self) -> None:
        if self.running or not self.pairs:
            return
        if not self.view.prompt.text().strip():
            self.view.result.setText("Type a prompt for both sides to answer.")
            return
        self.running = True
        self.summary = self.new_summary()
        self._rounds_wanted = self.view.repeats.value()
        self.view.set_running(True)
        self.view.export_button.setEnabled(False)
        self._ensure_hosts()
        if self._loaded == set(SIDES):
            self._next_round()
        else:
            self._show_loading()

    def _show_loading(self) -> None:
        """Name the pipeline loading now (the race starts once both are loaded)."""
        if self._loading:
            done = len(self._loaded)
            self.view.result.setText(f"Loading the {self._loading} pipeline "
                                     f"({done + 1} of {len(SIDES)})…")

    def _on_loaded(self, side: str) -> None:
        self._loaded.add(side)
        self._loading = ""
        self._load_next()
        if self.running and self._loaded != set(SIDES):
            self._show_loading()
        if self.running and self._loaded == set(SIDES) and not self._ids:
            self._next_round()

    def _on_load_failed(self, error: dict) -> None:
        self._loading = ""
        self._fail(f"{error.get('message', '')} {error.get('hint', '')}".strip())

    def _next_round(self) -> None:
        if len(self.summary.rounds) >= self._rounds_wanted:
            self._finish()
            return
        self._results.clear()
        self._round_sides = set()
        n = len(self.summary.rounds) + 1
        for side, pane in (("plain", self.view.plain), ("speculative", self.view.speculative)):
            pane.reset(f"round {n} of {self._rounds_wanted}: waiting")
            self._live[side] = [(0.0, 0)]
            self.view.show_curve(side == "speculative", self._live[side])
        self._timer.start()
        together = self.view.simultaneous.isChecked() and self.can_run_simultaneously()
        self._run_side("plain")
        if together:
            self._run_side("speculative")

    def _run_side(self, side: str) -> None:
        pane = self.view.plain if side == "plain" else self.view.speculative
        pane.status.setText("generating…")
        n = len(self.summary.rounds) + 1
        running = " and ".join(sorted({*self._running_sides(), side}, key=SIDES.index))
        so_far = f" · so far: {self.summary.result_line()}" if self.summary.rounds else ""
        self.view.result.setText(f"Round {n} of {self._rounds_wanted}: {running} "
                                 f"generating…{so_far}")
        self._started[side] = time.monotonic()
        self._round_sides.add(side)
        self._ids[side] = self.hosts[side].generate(self.request(side))

    def _running_sides(self) -> set[str]:
        return {s for s in self._round_sides if s not in self._results}

    def _on_step(self, side: str, request_id: int, event: StepEvent) -> None:
        if not self.running or self._ids.get(side) != request_id:
            return
        self._pending[side].append(event)
        total = self._live[side][-1][1] + len(event.token_ids)
        self._live[side].append((event.timestamp - self._started[side], total))

    @Slot()
    def _flush(self) -> None:
        for side in SIDES:
            if self._pending[side]:
                pane = self.view.plain if side == "plain" else self.view.speculative
                for event in self._pending[side]:
                    pane.append(event.text, event.spans, event.source == LOOKUP_SOURCE)
                self._pending[side].clear()
                self.view.show_curve(side == "speculative", self._live[side])

    def _on_finished(self, side: str, request_id: int, result: GenerationResult) -> None:
        if not self.running or self._ids.get(side) != request_id:
            return
        self._flush()
        self._results[side] = result
        pane = self.view.plain if side == "plain" else self.view.speculative
        pane.status.setText(result.stats.summary()
                            + f" · {result.stats.wall_time_s:.2f} s")
        self.view.show_curve(side == "speculative", result_timeline(result))
        if side == "plain" and "speculative" not in self._round_sides:
            self._run_side("speculative")
            return
        if set(self._results) == set(SIDES):
            self.summary.rounds.append(RaceRound(self._results["plain"],
                                                 self._results["speculative"]))
            self._ids.clear()
            self.view.result.setText(self.summary.result_line())
            self.round_finished.emit(len(self.summary.rounds))
            self._next_round()

    def _on_failed(self, side: str, request_id: int, error: dict) -> None:
        if self._ids.get(side) != request_id:
            return
        if error.get("kind") == "stopped":
            return
        self._fail(f"{side}: {error.get('message', '')} {error.get('hint', '')}".strip())

    def _fail(self, message: str) -> None:
        self.stop()
        self.view.result.setText(f"The race stopped: {message}")
        self.race_failed.emit(message)

    def _finish(self) -> None:
        self.running = False
        self._timer.stop()
        self._ids.clear()
        self.view.set_running(False)
        self.view.export_button.setEnabled(bool(self.summary.rounds))
        self.view.result.setText(self.summary.result_line())
        self.race_finished.emit(self.summary)

    @Slot()
    def stop(self) -> None:
        for host in self.hosts.values():
            host.stop()
        self.running = False
        self._timer.stop()
        self._ids.clear()
        self.view.set_running(False)
        self.view.export_button.setEnabled(bool(self.summary.rounds))
        if self.summary.rounds:
            self.view.result.setText(self.summary.result_line() + " (stopped)")

    # -- export and shutdown --------------------------------------------------------------

    def export(self, folder: Path) -> tuple[Path, Path]:
        """Write race.md and race.png (the tab as shown) into `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        pair = self.specs()["speculative"].label()
        settings = (f"K={self.view.k.value()}, {self.view.max_tokens.value()} new tokens, "
                    f"greedy, {len(self.summary.rounds)} rounds, device {self.device}")
        markdown = folder / "race.md"
        markdown.write_text(race_markdown(self.summary, self.view.prompt.text(), pair,
                                          settings) + "\n![race](race.png)\n",
                            encoding="utf-8")
        picture = folder / "race.png"
        if not self.view.grab().save(str(picture)):
            raise OSError(f"could not write {picture}")
        return markdown, picture

    def shutdown(self) -> None:
        self.stop()
        for host in self.hosts.values():
            host.retire()
        self.hosts.clear()
        self._loaded.clear()
        self._loading = ""
