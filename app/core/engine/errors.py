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
        return {"kind": self.kind, "message": self.message, "hint": self.hint}


class IncompleteModelError(TandemError):
    kind = "incomplete_model"


class TokenizerMismatchError(TandemError):
    kind = "tokenizer_mismatch"


class DeviceUnavailableError(TandemError):
    kind = "device_unavailable"


class InvalidSettingsError(TandemError):
    kind = "invalid_settings"


class PromptTooLongError(TandemError):
    kind = "prompt_too_long"


class InsufficientMemoryError(TandemError):
    kind = "insufficient_memory"


class GenerationFailedError(TandemError):
    kind = "generation_failed"
