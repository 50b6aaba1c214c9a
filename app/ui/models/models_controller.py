"""Behind the Models page: lists, jobs (pull, add, verify), remove, sign-in, disk use."""

from __future__ import annotations

import time
from collections import deque

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QMessageBox

from app import paths
from app.core.catalog import load_catalog
from app.core.engine.errors import TandemError
from app.core.store import hf_auth, overview
from app.core.store import pull as store
from app.core.store.events import CancelToken, Progress, ProgressSink
from app.core.store.verify import VerifyResult, verify
from app.ui.models.models_dialogs import AddLocalDialog, SignInDialog
from app.ui.models.models_view import ModelsView, size_text
from app.ui.models.store_watch import StoreWatcher
from app.ui.workers.store_jobs import StoreJob, StoreJobs

STAGES = {"download": "downloading", "convert": "converting", "align": "aligning the "
          "tokenizer", "verify": "verifying", "done": "done"}
SPEED_WINDOW_S = 3.0


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


class Speed:
    """Bytes per second over the last few seconds of one download."""

    def __init__(self) -> None:
        self.samples: deque[tuple[float, int]] = deque()
        self.key = ("", "")

    def update(self, key: tuple[str, str], done: int, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        if key != self.key or (self.samples and done < self.samples[-1][1]):
            self.samples.clear()
            self.key = key
        self.samples.append((now, done))
        while len(self.samples) > 2 and now - self.samples[0][0] > SPEED_WINDOW_S:
            self.samples.popleft()
        (t0, b0), (t1, b1) = self.samples[0], self.samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0


def describe(event: Progress, speed: float) -> str:
    parts = []
    if event.bytes_total:
        parts.append(f"{size_text(event.bytes_done)} of {size_text(event.bytes_total)}")
        if speed > 0:
            parts.append(f"{size_text(speed)}/s")
    if event.files_total:
        parts.append(f"{event.files_done}/{event.files_total} files")
    return " · ".join([event.message, *parts])


class ModelsController(QObject):
    pairs_changed = Signal()  # ready pairs may differ: selectors should re-read them

    def __init__(self, view: ModelsView, jobs: StoreJobs, watcher: StoreWatcher) -> None:
        super().__init__(view)
        self.view, self.jobs, self.watcher = view, jobs, watcher
        self.speed = Speed()
        self.last_event: Progress | None = None
        view.pull_clicked.connect(self.pull)
        view.remove_clicked.connect(self.remove)
        view.verify_clicked.connect(self.verify)
        view.cancel_clicked.connect(self.cancel)
        view.add_clicked.connect(self.ask_add)
        view.sign_in_clicked.connect(self.ask_sign_in)
        jobs.started.connect(self._on_started)
        jobs.progress.connect(self._on_progress)
        jobs.finished.connect(self._on_finished)
        jobs.failed.connect(self._on_failed)
        jobs.queue_changed.connect(self._on_queue)
        watcher.changed.connect(self._on_store_changed)
        self.refresh()

    # -- lists ----------------------------------------------------------------------------

    def _busy(self) -> dict[str, str]:
        busy = {}
        for job in ([self.jobs.current] if self.jobs.current else []) + self.jobs.waiting:
            running = job is self.jobs.current
            busy[job.pair_id] = f"{job.kind}ing…" if running else f"{job.kind} queued"
        return busy

    @Slot()
    def refresh(self) -> None:
        rows = overview.catalog_rows()
        groups = [(task, [r for r in rows if r.pair.tasks[0] == task])
                  for task in overview.tasks_in_order(rows)]
        busy = self._busy()
        self.view.set_catalog([(t, g) for t, g in groups if g], busy)
        self.view.set_local(overview.local_rows(), busy)
        use = store.disk_use()
        self.view.disk.setText(
            f"Disk: model store {size_text(use.total_bytes)} ({paths.models_dir()}) · "
            f"Hugging Face cache {size_text(use.hf_cache_bytes)} ({use.hf_cache})")
        source = hf_auth.token_source()
        self.view.account.setText("Hugging Face token: " + (
            "none (gated repos need one)" if source == "none" else f"from {source}"))

    @Slot()
    def _on_store_changed(self) -> None:
        self.refresh()
        self.pairs_changed.emit()

    # -- jobs -----------------------------------------------------------------------------

    def _submit(self, kind: str, pair_id: str, label: str,
                call: object) -> StoreJob | None:
        if self.jobs.pending(pair_id) is not None:
            self.view.show_message(f"{pair_id} is already queued or running.",
                                   "Wait for it, or cancel it first.")
            return None
        self.view.clear_message()
        job = self.jobs.submit(StoreJob(kind, pair_id, label, call))  # type: ignore[arg-type]
        self.refresh()
        return job

    @Slot(str)
    def pull(self, pair_id: str) -> StoreJob | None:
        def call(sink: ProgressSink, token: CancelToken) -> VerifyResult:
            return store.pull(pair_id, sink, token)

        entry = load_catalog().find(pair_id)
        return self._submit("pull", pair_id, f"pulling {entry.name if entry else pair_id}",
                            call)

    @Slot(str)
    def verify(self, pair_id: str) -> StoreJob | None:
        def call(sink: ProgressSink, token: CancelToken) -> VerifyResult:
            return verify(pair_id, sink, token)

        return self._submit("verify", pair_id, f"verifying {pair_id}", call)

    def add(self, target: str, draft: str, name: str) -> StoreJob | None:
        """Check the input now (a GGUF, a folder with no model), then add on the worker."""
        try:
            store.check_add_input(target, "target")
            if draft:
                store.check_add_input(draft, "draft")
        except TandemError as exc:
            self.view.show_message(exc.message, exc.hint)
            return None

        def call(sink: ProgressSink, token: CancelToken) -> VerifyResult:
            chosen = draft
            if not chosen:
                chosen, arch = store.suggest_draft(target)
                sink(Progress("download", "draft", f"no draft given: using {chosen}, the "
                              f"catalog's default draft for {arch} models"))
            return store.add(target, chosen, name or None, sink, token)

        label = name or target
        return self._submit("add", name or f"add:{target}", f"adding {label}", call)

    @Slot()
    def cancel(self) -> None:
        if self.jobs.current is not None:
            self.view.show_idle(f"Cancelling {self.jobs.current.label}…")
        self.jobs.cancel(self.jobs.current.id if self.jobs.current else None)

    @Slot(object)
    def _on_started(self, job: StoreJob) -> None:
        self.speed = Speed()
        self.view.show_job(f"{_upper_first(job.label)}: starting", 0.0, "")

    @Slot(object, object)
    def _on_progress(self, job: StoreJob, event: Progress) -> None:
        self.last_event = event
        speed = self.speed.update((event.stage, event.side), event.bytes_done) \
            if event.stage == "download" and event.bytes_total else 0.0
        stage = STAGES.get(event.stage, event.stage)
        side = f" the {event.side}" if event.side else ""
        self.view.show_job(f"{_upper_first(job.label)}: {stage}{side}", event.fraction,
                           describe(event, speed))

    @Slot(object, object)
    def _on_finished(self, job: StoreJob, result: object) -> None:
        ok = isinstance(result, VerifyResult) and result.ok
        self.view.show_idle(f"Finished {job.label}.", done=ok)
        if isinstance(result, VerifyResult):
            record = result.record
            if result.ok:
                use = ("choose it in the pair selector of Chat or Race"
                       if not record.universal else "it runs with a universal draft")
                self.view.show_message(f"{record.name} is ready: {use}.", "", error=False)
            else:
                self.view.show_message(f"{record.id} is not ready: "
                                       + "; ".join(result.problems),
                                       "Pull it again, or remove it.")
        self._after_change()

    @Slot(object, dict)
    def _on_failed(self, job: StoreJob, error: dict) -> None:
        if error.get("kind") == "cancelled":
            self.view.show_idle(f"Cancelled {job.label}.")
            again = "Pull again" if job.kind == "pull" else "Run it again"
            self.view.show_message(f"Cancelled {job.label}.",
                                   f"{again} to resume: finished files are kept, and "
                                   "nothing half-done was installed.", error=False)
        else:
            self.view.show_idle(f"{_upper_first(job.label)} failed.")
            self.view.show_message(error.get("message", "The job failed."),
                                   error.get("hint", ""))
        self._after_change()

    def _after_change(self) -> None:
        self.watcher.check()  # take in the new signature, so the change is reported once
        self.refresh()
        self.pairs_changed.emit()

    @Slot()
    def _on_queue(self) -> None:
        waiting = [j.label for j in self.jobs.waiting]
        self.view.set_queue("Queued: " + ", ".join(waiting) if waiting else "")

    # -- remove, add, sign-in -------------------------------------------------------------

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self.view, title, text)
        return answer == QMessageBox.StandardButton.Yes

    @Slot(str)
    def remove(self, pair_id: str) -> bool:
        if self.jobs.pending(pair_id) is not None:
            self.view.show_message(f"{pair_id} has a job running or queued.",
                                   "Cancel it or wait for it, then remove the pair.")
            return False
        freed = store.freed_by_remove(pair_id)
        if not self.confirm("Remove pair", f"Remove {pair_id}? This frees "
                            f"{size_text(freed)} (folders no other pair uses); downloads "
                            "stay in the Hugging Face cache."):
            return False
        try:
            store.remove(pair_id)
        except TandemError as exc:
            self.view.show_message(exc.message, exc.hint)
            return False
        self.view.show_message(f"Removed {pair_id}: freed {size_text(freed)}.", "",
                               error=False)
        self._after_change()
        return True

    @Slot()
    def ask_add(self) -> AddLocalDialog:
        dialog = AddLocalDialog(self.view)
        dialog.accepted.connect(lambda: self.add(*dialog.values()))
        dialog.open()
        return dialog

    @Slot()
    def ask_sign_in(self) -> SignInDialog:
        dialog = SignInDialog(self.view)
        dialog.finished.connect(lambda _r: self.refresh())
        dialog.open()
        return dialog
