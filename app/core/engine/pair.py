"""What to load: a target, an optional draft, their devices and the decoding mode."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.core.engine.precision import exact_properties
from app.core.engine.types import Mode


@dataclass(frozen=True)
class Route:
    """Auto mode's routing (routed_session.py): prompts of these classes (prompt_class.py:
    "code", "edit", "summary", "chat") run `mode` on `target` with this K, threshold and
    n-gram size instead of the pair's own setting. Plain runs on the target's fastest plain
    format; PROMPT_LOOKUP needs no draft; DRAFT and UNIVERSAL (the loop, or the hybrid with
    `ngram`) run `draft` (the pair's draft: the pair's own setting may run without it)."""

    target: Path
    classes: tuple[str, ...]
    mode: Mode = Mode.PLAIN
    k: int | None = None
    confidence: float | None = None
    ngram: int | None = None
    draft: Path | None = None
    draft_device: str | None = None

    @property
    def uses_draft(self) -> bool:
        """Whether this route loads a draft."""
        return self.mode in (Mode.DRAFT, Mode.UNIVERSAL) and self.draft is not None


@dataclass(frozen=True)
class PairSpec:
    """What to load: a target, an optional draft, the devices, the mode and how to load them. Equal
    specs load the same pair."""
    target: Path
    draft: Path | None = None
    device: str = "CPU"
    draft_device: str | None = None  # None: same as the target's
    mode: Mode | None = None  # None: DRAFT with a draft, PLAIN without
    name: str = ""
    properties: dict[str, str] = field(default_factory=dict, compare=False)
    # The id of a saved remote endpoint: the "pair" then runs on that server (target is
    # only a label) and load_session returns a RemoteSession.
    endpoint: str = ""
    # OpenVINO's compiled-model cache (CACHE_DIR); used on the devices model_cache.py
    # names (GPU and NPU recompile on every load without it). None: no cache.
    cache_dir: Path | None = field(default=None, compare=False)
    # Auto mode where prompt classes were tuned to different settings: every route's
    # pipeline loads beside the pair's own, and each prompt runs on the one its class was
    # tuned to (empty: no routing).
    routes: tuple[Route, ...] = ()
    # The answers will be sampled: a draft pair (or a draft route) then loads Tandem's loop
    # (sampled_draft.py) instead of a GenAI pipeline the first sampled answer would throw
    # away.
    sampled: bool = False
    # Exact mode (precision.py): every model computes in f32, whatever the device's default.
    exact: bool = False

    @property
    def resolved_mode(self) -> Mode:
        """The mode this spec runs in: its own, else draft with a draft and plain without."""
        if self.mode is not None:
            return self.mode
        return Mode.DRAFT if self.draft is not None else Mode.PLAIN

    @property
    def resolved_draft_device(self) -> str:
        """The draft's device: its own, else the target's."""
        return self.draft_device or self.device

    @property
    def on_npu(self) -> bool:
        """Whether a model of this spec runs on an NPU."""
        devices = [self.device]
        if self.resolved_mode is Mode.DRAFT:
            devices.append(self.resolved_draft_device)
        return any(d.split(".")[0] == "NPU" for d in devices)

    def load_properties(self) -> dict[str, str]:
        """The caller's OpenVINO properties for every model of the pair, Exact mode's included
        (they override what a model folder asks for)."""
        return {**self.properties, **exact_properties(self.exact)}

    def label(self) -> str:
        """The pair's name for the user: its own, or the target folder's."""
        return self.name or self.target.name
