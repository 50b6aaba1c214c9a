"""The benchmark's prompt set, written for Tandem: code, summarisation and chat, at three
lengths, so that the tables cover short questions and long contexts alike."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BenchPrompt:
    name: str
    category: str  # "code", "summarisation" or "chat"
    size: str  # "short", "medium" or "long"
    text: str


_REPORT = (
    "The town council met on Tuesday evening to discuss the new bicycle lanes on the main "
    "street. Shop owners said that fewer parking spaces would keep customers away, while "
    "parents said that their children could finally ride to school safely. The engineer "
    "explained that the lanes would take six weeks to build and would be finished before "
    "the summer holidays. After two hours, the council voted seven to two to build the "
    "lanes, and promised to count visitors to the shops every month for a year. "
)

_CODE = '''class Inventory:
    def __init__(self):
        self.items = {}

    def add(self, name, count):
        self.items[name] = self.items.get(name, 0) + count

    def remove(self, name, count):
        if self.items.get(name, 0) < count:
            raise ValueError("not enough items")
        self.items[name] -= count

    def total(self):
        return sum(self.items.values())
'''

_STORY = (
    "A lighthouse keeper lived alone on a small island. Every evening she climbed the "
    "hundred steps, cleaned the glass and lit the lamp. Ships passed far away and never "
    "stopped. One winter a storm broke the radio, and for a month she saw no one. She "
    "wrote letters she could not send, fixed the door of the shed, and counted the birds "
    "that rested on the rocks. When the supply boat finally came, the captain asked "
    "whether she had been lonely. She thought about it and said that the light had kept "
    "her company, because somebody out there was always watching it. "
)

PROMPTS: tuple[BenchPrompt, ...] = (
    BenchPrompt("code-short", "code", "short",
                "Write a Python function to add two numbers."),
    BenchPrompt("chat-short", "chat", "short", "Tell me about speculative decoding."),
    BenchPrompt("summary-short", "summarisation", "short",
                "Summarise in one sentence: the meeting was moved from Monday to Friday "
                "because the room was not free."),
    BenchPrompt("code-medium", "code", "medium",
                "Explain what this class does and add a method that lists empty items.\n\n"
                + _CODE),
    BenchPrompt("summary-medium", "summarisation", "medium",
                "Summarise this story in two sentences.\n\n" + _STORY[:400]),
    BenchPrompt("chat-medium", "chat", "medium",
                "I am planning a weekend trip by train with two children. We like museums, "
                "parks and good food, but we do not want to rush. What should I pack, how "
                "should I plan each day, and what should I do if it rains?"),
    BenchPrompt("summary-long", "summarisation", "long",
                "Summarise this report, then say who wins and who loses.\n\n" + _REPORT),
    BenchPrompt("code-long", "code", "long",
                "Review this code. List bugs, then rewrite it with type hints and tests.\n\n"
                + _CODE * 2),
    BenchPrompt("summary-very-long", "summarisation", "long",
                "Summarise everything below in five sentences.\n\n"
                + (_REPORT + _STORY) * 5),
)


def prompts(names: tuple[str, ...] | None = None) -> list[BenchPrompt]:
    if names is None:
        return list(PROMPTS)
    by_name = {p.name: p for p in PROMPTS}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise KeyError(f"unknown prompts: {', '.join(unknown)}")
    return [by_name[n] for n in names]
