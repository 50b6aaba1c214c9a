"""Which kind of answer a prompt asks for: "code" or "chat".

Auto mode routes by it (routed_session.py): on a real CPU pair, speculation paid on code
(answers a small same-family draft predicts well) and lost on open chat (issue 11,
benchmarks/results/real/). A misrouted chat prompt costs speed (speculation is slower
there) and a misrouted code prompt only a missed gain, so the rule is conservative: a
prompt is "code" when it shows code or asks in so many words for code, else "chat".
"""

from __future__ import annotations

import re

from app.core.engine.types import GenerationRequest

CODE = "code"
CHAT = "chat"
CLASSES = (CODE, CHAT)

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


def prompt_class(text: str) -> str:
    """"code" for a prompt that contains code or asks for it, else "chat"."""
    if "```" in text:
        return CODE
    code_lines = sum(1 for line in text.splitlines() if _CODE_LINE.search(line))
    if code_lines >= 2:
        return CODE
    if _LANGUAGE.search(text) or _ASK.search(text):
        return CODE
    return CHAT


def request_class(request: GenerationRequest) -> str:
    """The class of the request's last user message (or its raw prompt)."""
    users = [m.content for m in request.messages if m.role == "user"]
    text = users[-1] if users else request.prompt or ""
    return prompt_class(text)
