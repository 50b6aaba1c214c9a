"""Auto's prompt classes: code for prompts that show or ask for code, chat for the rest."""

from __future__ import annotations

import pytest

from app.core.engine import GenerationRequest, Message
from app.core.engine.prompt_class import prompt_class, request_class
from benchmarks.real_prompts import CHAT, EDITS, SUMMARIES

HUMANEVAL_LIKE = (
    'Complete this Python function:\n\nfrom typing import List\n\n\ndef has_close_elements('
    'numbers: List[float], threshold: float) -> bool:\n    """ Check if in given list of '
    'numbers, are any two numbers closer to each other than\n    given threshold.\n    """\n',
    "Complete this function:\n\ndef fib(n: int) -> int:\n    \"\"\"Return the n-th number.\"\"\"\n",
)
ASKS = ("Write a Python function to add two numbers.",
        "Implement a function that reverses a linked list.",
        "Fix the bug in this loop: for i in range(10) print(i)",
        "How do I write a SQL query that counts rows per day?",
        "```\nx = 1\n```\nwhat does this do?")
CHATS = ("Tell me about speculative decoding.",
         "What does the HTTP status code 404 mean, and what should a web page show for it?",
         "Write a short poem about autumn.",  # writing, but no code
         "Explain recursion to a ten-year-old.")


@pytest.mark.parametrize("text", (*HUMANEVAL_LIKE, *ASKS, *EDITS))
def test_prompts_with_or_for_code_are_code(text: str) -> None:
    assert prompt_class(text) == "code"


@pytest.mark.parametrize("text", (*CHATS, *CHAT, *SUMMARIES))
def test_other_prompts_are_chat(text: str) -> None:
    assert prompt_class(text) == "chat"


def test_a_request_is_classed_by_its_last_user_message() -> None:
    request = GenerationRequest(messages=(
        Message("system", "You write Python code."),
        Message("user", "Write a Python function to add two numbers."),
        Message("assistant", "def add(a, b):\n    return a + b\n"),
        Message("user", "Thanks! Now tell me a joke.")))
    assert request_class(request) == "chat"
    assert request_class(GenerationRequest(prompt="def add(a, b):\n    return")) == "code"
