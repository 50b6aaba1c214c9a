"""Typed engine errors: a sentence for a person plus a hint that says what to do next."""

from __future__ import annotations


class TandemError(Exception):
    """Base of every error Tandem shows to a user."""

    kind = "error"

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()

    def to_dict(self) -> dict[str, str]:
        """The error as JSON-ready data: kind, message and hint."""
        return {"kind": self.kind, "message": self.message, "hint": self.hint}


class IncompleteModelError(TandemError):
    """A model folder is missing, lacks a file a load needs, or holds a truncated one."""
    kind = "incomplete_model"


class TokenizerMismatchError(TandemError):
    """A draft's tokenizer differs from its target's where the backend needs them equal."""
    kind = "tokenizer_mismatch"


class DeviceUnavailableError(TandemError):
    """The device asked for is not on this machine."""
    kind = "device_unavailable"


class InvalidSettingsError(TandemError):
    """The options asked for do not go together or are out of range."""
    kind = "invalid_settings"


class PromptTooLongError(TandemError):
    """The prompt and the tokens asked for do not fit in the model's context."""
    kind = "prompt_too_long"


class InsufficientMemoryError(TandemError):
    """There is not enough memory to load or run the pair."""
    kind = "insufficient_memory"


class GenerationFailedError(TandemError):
    """The backend failed while generating; the message carries its reason."""
    kind = "generation_failed"
