"""The chat's words: suggested prompts, the welcome page, step tooltips, and tint runs
built from step events (no widgets here)."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.conversations import ORIGIN_DRAFT, ORIGIN_LOOKUP, ORIGIN_TARGET, TintRun
from app.core.engine import LOOKUP_SOURCE, StepEvent
from app.ui.theme import theme

SUGGESTIONS = ("Tell me about speculative decoding.",
               "Write a Python function to add two numbers.",
               "What is a draft model?")


ORIGIN_WORDS = {ORIGIN_TARGET: "the target's own token",
                ORIGIN_DRAFT: "a draft token the target accepted",
                ORIGIN_LOOKUP: "a prompt-lookup token (copied from the context) the target "
                               "accepted"}


def step_tooltip(step: int, draft_tokens: int, origin: int) -> str:
    if step == 0:
        return "Step 0 (prefill): the target's first token."
    # The target's own characters do not say which source the step's candidates had.
    kind = {ORIGIN_LOOKUP: " looked-up", ORIGIN_DRAFT: " draft"}.get(origin, "")
    accepted = f"{draft_tokens}{kind} token{'s' if draft_tokens != 1 else ''}"
    who = ORIGIN_WORDS.get(origin, ORIGIN_WORDS[ORIGIN_DRAFT])
    return f"Target step {step}: accepted {accepted}, then added 1 of its own.\n" \
           f"This text came from {who}."


def welcome_html() -> str:
    links = "".join(
        f'<p style="margin:6px 0"><a href="suggest:{i}" style="color:{theme.ACCENT}; '
        f'text-decoration:none">→ {s}</a></p>' for i, s in enumerate(SUGGESTIONS))
    return (
        f'<div style="color:{theme.TEXT}"><h2 style="margin-bottom:4px">Welcome to Tandem'
        f'</h2><p style="color:{theme.MUTED}">A small draft model proposes a few tokens; '
        f'the target model checks them in one pass. Text the draft supplied is '
        f'{_marked_sample()}, and the panel on the right shows what '
        f'speculation buys.</p><p style="margin-top:14px"><b>Try a prompt:</b></p>'
        f'{links}</div>')


def _marked_sample() -> str:
    style = theme.DRAFT_STYLE
    css = f"background:{theme.DRAFT_TINT}; color:{theme.DRAFT_TINT_TEXT};" \
        if style in ("tint", "both") else ""
    if style in ("underline", "both"):
        css += f" text-decoration: underline; text-decoration-color: {theme.DRAFT_UNDERLINE};"
    words = {"tint": "tinted green", "underline": "underlined", "both": "tinted and underlined"}
    return f'<span style="{css}">&nbsp;{words[style]}&nbsp;</span>'


def runs_from_event(event: StepEvent) -> list[TintRun]:
    """The event's character spans as tint runs tagged with its step and their origin."""
    accepted = ORIGIN_LOOKUP if event.source == LOOKUP_SOURCE else ORIGIN_DRAFT
    return [(length, event.index, event.draft_tokens,
             accepted if from_draft else ORIGIN_TARGET)
            for length, from_draft in event.spans if length > 0]


def merge_runs(runs: Sequence[TintRun]) -> list[TintRun]:
    out: list[TintRun] = []
    for run in runs:
        if out and out[-1][1:] == run[1:]:
            out[-1] = (out[-1][0] + run[0], *run[1:])
        else:
            out.append(run)
    return out


def dropped_note(stats: dict) -> str:
    """The note above an answer for which older turns were left out of the context."""
    dropped = int(stats.get("dropped_turns") or 0)
    if not dropped:
        return ""
    plural = "s" if dropped != 1 else ""
    return (f"{dropped} earlier message{plural} left out: the chat no longer fits the "
            f"model's context ({stats.get('context_length', '?')} tokens).")
