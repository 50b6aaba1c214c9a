"""Which kind of answer a prompt asks for: "code", "edit", "summary" or "chat".

Auto mode routes by it (routed_session.py). On a real CPU pair each class had its own
fastest setting (issue 20, benchmarks/results/real/full.md): prompt lookup on new code and
summaries (the answer reuses the prompt's words), the hybrid of lookup and draft on code
edits (the answer copies the code it was given, with changes), plain decoding on open
chat. A misrouted prompt costs speed but never text (every setting keeps greedy plain's
answer), so the rules are conservative:

- "edit": the prompt shows code and its instruction asks to change it (rename, refactor,
  add type hints, rewrite, ...);
- "code": the prompt shows code, or asks in so many words for code;
- "summary": the prompt asks to summarise a passage it carries (a long one: a short
  "summarise the rules of chess" is a chat question);
- "chat": the rest.
"""

from __future__ import annotations

import re

from app.core.engine.types import GenerationRequest

CODE = "code"
EDIT = "edit"
SUMMARY = "summary"
CHAT = "chat"
CLASSES = (CODE, EDIT, SUMMARY, CHAT)
# The class each class fell into before "edit" and "summary" existed (tuning files written
# then name only "code" and "chat").
LEGACY_CLASS = {CODE: CODE, EDIT: CODE, SUMMARY: CHAT, CHAT: CHAT}

# A line that reads as code: a definition, an import, a statement ending in ; or {, a
# comment marker, or an indented body line.
_CODE_LINE = re.compile(
    r"^\s*(def |class |import |from \S+ import |return\b|#include|function\b|const |let |"
    r"var |public |private |fn |func |SELECT\b|for .*:|if .*:|while .*:)|[;{]\s*$|^( {4}|\t)\S",
    re.IGNORECASE)
_LANGUAGE = re.compile(
    r"\b(python|javascript|typescript|java|c\+\+|c#|rust|golang|kotlin|swift|php|ruby|"
    r"bash|shell script|sql|html|css|regex|json|yaml)\b", re.IGNORECASE)
_ASK = re.compile(
    r"\b(write|implement|complete|fix|refactor|debug|rename|optimi[sz]e|rewrite|convert|"
    r"add type hints|unit tests?)\b[^.?!\n]*\b(function|method|class|code|script|program|"
    r"query|snippet|module|tests?|loop|algorithm)\b", re.IGNORECASE)
# An instruction to change code the prompt carries.
_CHANGE = re.compile(
    r"\b(rename|refactor|rewrite|reformat|convert|translate|port|modify|change|replace|"
    r"remove|delete|add (type hints|types|docstrings?|comments|logging|error handling)|"
    r"fix|update|simplify|clean up|optimi[sz]e)\b", re.IGNORECASE)
_SUMMARISE = re.compile(r"\b(summari[sz]e|summary|tl;?dr|key points|in (one|two|three|a few) "
                        r"sentences?|condense|shorten)\b", re.IGNORECASE)
# A passage to summarise: this many characters beside the instruction line.
_PASSAGE = 250


def _code_lines(text: str) -> list[int]:
    return [i for i, line in enumerate(text.splitlines()) if _CODE_LINE.search(line)]


def _shows_code(text: str) -> bool:
    return "```" in text or len(_code_lines(text)) >= 2


def _instruction(text: str) -> str:
    """The prose that asks: the prompt's first and last paragraphs, without fenced blocks and
    code lines (the middle is the code, and a docstring or a string in it may say "fix")."""
    prose = re.sub(r"```.*?(```|$)", "\n\n", text, flags=re.DOTALL)
    paragraphs = [p for p in re.split(r"\n\s*\n", prose) if p.strip()]
    ends = paragraphs[:1] + paragraphs[1:][-1:]
    return "\n".join(line for p in ends for line in p.splitlines()
                     if not _CODE_LINE.search(line))


def prompt_class(text: str) -> str:
    """The prompt's class: "edit", "code", "summary" or "chat" (see the module's note)."""
    if _shows_code(text):
        instruction = _instruction(text)
        # "Complete this function" asks for new code after the prompt's own, not a change.
        return EDIT if _CHANGE.search(instruction) else CODE
    first, _, rest = text.strip().partition("\n")
    if _SUMMARISE.search(first) and len(rest.strip()) >= _PASSAGE:
        return SUMMARY  # before the language check: the passage may name one
    if _LANGUAGE.search(text) or _ASK.search(text):
        return CODE
    return CHAT


def request_class(request: GenerationRequest) -> str:
    """The class of the request's last user message (or its raw prompt)."""
    users = [m.content for m in request.messages if m.role == "user"]
    text = users[-1] if users else request.prompt or ""
    return prompt_class(text)
