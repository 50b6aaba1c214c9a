"""Behind the generation controls: ready pairs, devices, the spec to load, load state."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app import paths
from app.core.bench.tuner import TunedChoice, auto_routes, auto_target, stored_choice
from app.core.engine import PairSpec
from app.core.settings import GenerationSettings, RunMode, Settings
from app.core.store.pairs import ReadyPair, list_ready_pairs
from app.core.sysinfo import Device, list_devices
from app.ui.chat.controls_view import ControlsView
from app.ui.shared.remote_pairs import is_remote_pair, remote_ready_pairs, remote_spec
from app.ui.workers.background import Background
from app.ui.workers.generation_controller import GenerationController, PairState


class ControlsController(QObject):
    error = Signal(str, str)  # message, hint

    def __init__(self, view: ControlsView, generation: GenerationController,
                 settings: Settings) -> None:
        super().__init__(view)
        self.view = view
        self.settings = settings
        self.generation = generation
        self.pairs: list[ReadyPair] = list_ready_pairs() + remote_ready_pairs()
        view.set_pairs(self.pairs, settings.last_pair)
        # Listing devices imports OpenVINO (about a second): done on a worker so that the
        # window shows first. Until then only the CPU is offered.
        self.devices: list[Device] = [Device("CPU", "looking for other devices…")]
        self.devices_listed = False
        self._saved_devices = (settings.target_device or "CPU", settings.draft_device or "")
        self._load_when_listed = False
        view.set_devices(self.devices, "CPU", "")
        self._lister: Background | None = None
        view.set_generation_settings(settings.generation)
        view.load_clicked.connect(self.load)
        view.unload_clicked.connect(self.unload)
        view.pair_settings_changed.connect(self._on_pair_settings)
        generation.state_changed.connect(self._show_state)
        self._load_note = ""  # what the last load gave up (Auto's routes, for memory)
        generation.loaded.connect(self._on_loaded)
        generation.load_failed.connect(self._on_load_failed)
        generation.refused.connect(lambda text: self.error.emit(text, ""))
        self._tick = QTimer(self)
        self._tick.setInterval(200)
        self._tick.timeout.connect(lambda: self._show_state(generation.state.value))
        self._show_state(generation.state.value)

    def pair(self) -> ReadyPair:
        pair_id = self.view.pair_id()
        return next((p for p in self.pairs if p.id == pair_id), self.pairs[0])

    def generation_settings(self) -> GenerationSettings:
        return self.view.generation_settings()

    def tuned_choice(self) -> TunedChoice | None:
        """The tuner's stored choice for the selected pair and devices, if any."""
        device, draft_device = self.view.devices()
        return stored_choice(self.pair().id, device, draft_device)

    def run_settings(self) -> GenerationSettings:
        """The settings a run uses: auto mode becomes the stored choice (or K=3)."""
        settings = self.generation_settings()
        if settings.mode is not RunMode.AUTO:
            return settings
        choice = self.tuned_choice()
        if choice is None:
            return settings.tuned(None, None, None)
        return settings.tuned(choice.mode, choice.k, choice.confidence)

    def auto_note(self) -> str:
        """What auto mode is doing, for the status line ("" in the other modes)."""
        if self.generation_settings().mode is not RunMode.AUTO \
                or is_remote_pair(self.pair()):
            return ""
        choice = self.tuned_choice()
        if choice is None:
            return (f"Auto: not tuned yet: run `tandem tune {self.pair().id}`; "
                    "using speculative K=3.")
        given_up = f" Loaded without some routes: {self._load_note}." if self._load_note else ""
        return f"Auto: {choice.describe()}.{given_up}"

    def _on_loaded(self, info: dict[str, Any]) -> None:
        self._load_note = str(info.get("note") or "")
        self._show_state(self.generation.state.value)

    def wanted_spec(self) -> PairSpec:
        pair = self.pair()
        if is_remote_pair(pair):
            return remote_spec(pair)
        device, draft_device = self.view.devices()
        choice = self.tuned_choice() if self.generation_settings().mode is RunMode.AUTO \
            else None
        target, universal = auto_target(choice, pair.target, pair.universal)
        settings = self.run_settings()
        spec = settings.pair_spec(target, pair.draft, device, draft_device, pair.name,
                                  universal)
        routes = auto_routes(choice, pair.target, pair.draft, draft_device)
        # A draft route of a routed spec loads Tandem's loop for sampled answers too
        # (routed_session.route_spec), whatever the pair's own mode.
        return replace(spec, cache_dir=self.cache_dir(), routes=routes,
                       sampled=spec.sampled or (bool(routes) and settings.do_sample))

    def cache_dir(self) -> Path | None:
        """OpenVINO's model cache when the settings keep it on (used on GPU and NPU)."""
        return paths.model_cache_dir() if self.settings.model_cache else None

    def save_into(self, settings: Settings) -> None:
        settings.last_pair = self.pair().id
        if self.devices_listed:
            settings.target_device, draft = self.view.devices()
            settings.draft_device = draft or ""
        else:  # closed before the devices were known: keep the saved choice
            settings.target_device, settings.draft_device = self._saved_devices
        settings.generation = self.generation_settings()

    def list_devices_in_background(self) -> None:
        """Start listing the devices (once); the combos fill in when the list arrives."""
        if self._lister is None:
            self._lister = Background(self)
            self._lister.succeeded.connect(self._on_devices)
            self._lister.failed.connect(lambda _e: self._on_devices([Device("CPU", "CPU")]))
            self._lister.run(list_devices, "tandem-devices")

    @Slot()
    def load(self) -> bool:
        if not self.devices_listed and self._saved_devices != ("CPU", ""):
            self._load_when_listed = True  # the saved device is not in the list yet
            self.list_devices_in_background()
            return True
        return self.generation.ensure_pair(self.wanted_spec())

    def _on_devices(self, devices: list[Device]) -> None:
        self.devices, self.devices_listed = devices, True
        names = {d.name for d in devices}
        target, draft = self._saved_devices
        chosen = (target if target in names else "CPU", draft if draft in names else "")
        self.view.set_devices(devices, *chosen)
        if self._load_when_listed:
            self._load_when_listed = False
            if not self.generation.busy:  # else the next message loads the chosen device
                self.load()

    @Slot()
    def unload(self) -> None:
        self.generation.unload()

    @Slot()
    def refresh_pairs(self) -> None:
        """Re-read local pairs and saved endpoints (after the endpoint list changed)."""
        self.pairs = list_ready_pairs() + remote_ready_pairs()
        self.view.set_pairs(self.pairs, self.view.pair_id())

    def _on_pair_settings(self) -> None:
        # Reload only when something is loaded: an idle window does not load by itself.
        if self.generation.state in (PairState.READY, PairState.LOADING, PairState.FAILED):
            self.load()
        self._show_state(self.generation.state.value)

    def _on_load_failed(self, error: dict) -> None:
        self._show_state(PairState.FAILED.value)
        self.error.emit(error.get("message", "Loading failed."), error.get("hint", ""))

    def _show_state(self, state: str) -> None:
        if state != PairState.READY.value and state != PairState.RUNNING.value:
            self._load_note = ""  # a new load, or none: the last load's note is over
        spec = self.generation.spec
        name = spec.label() if spec else self.pair().name
        where = (f"{spec.device}" + (f" (draft {spec.resolved_draft_device})"
                                     if spec.draft else "")) if spec else ""
        if spec and spec.exact:
            where += " · Exact (f32)"
        if state == PairState.LOADING.value:
            elapsed = time.monotonic() - self.generation.load_started_at
            text = f"Loading {name} on {where}…  {elapsed:.1f} s"
            self._tick.start()
        else:
            self._tick.stop()
            text = {
                PairState.UNLOADED.value: "Not loaded. Press Load, or just send a message.",
                PairState.READY.value: f"<b>Ready</b> · {name} on {where}",
                PairState.RUNNING.value: f"<b>Generating</b> · {name} on {where}",
                PairState.FAILED.value: "Loading failed; see the message in the chat.",
            }[state]
        note = self.auto_note()
        self.view.set_load_state(state, f"{text}<br>{note}" if note else text)
