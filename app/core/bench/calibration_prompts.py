"""The tuner's prompts: two of each class Auto routes by (prompt_class.py).

Their texts are not the benchmark's (benchmarks/real_prompts.py: the edit and summary
instructions are worded alike, the code and passages differ), so a benchmark of Auto
measures a choice made on other text, as a user's prompts would be."""

from __future__ import annotations

from app.core.engine.prompt_class import CHAT, CODE, EDIT, SUMMARY

_EDIT_SOURCE = '''def total_price(items, tax):
    result = 0
    for item in items:
        result = result + item["price"] * item["count"]
    return result + result * tax
'''
_EDIT_SOURCE_2 = '''class Counter:
    def __init__(self):
        self.count = 0

    def increment(self):
        self.count += 1

    def reset(self):
        self.count = 0
'''

PROMPTS: dict[str, tuple[str, ...]] = {
    CODE: (
        "Write a Python function to add two numbers.",
        "Complete this Python function:\n\n"
        "def count_words(text: str) -> dict[str, int]:\n"
        '    """Return how many times each word occurs in text, ignoring case.\n\n'
        '    >>> count_words("a b A")\n'
        "    {'a': 2, 'b': 1}\n"
        '    """\n',
    ),
    EDIT: (
        "Rename the variable `result` to `subtotal` in this code and return the whole "
        "code, nothing else:\n\n" + _EDIT_SOURCE,
        "Add type hints to every method of this class and return the whole code, nothing "
        "else:\n\n" + _EDIT_SOURCE_2,
    ),
    SUMMARY: (
        "Summarise this text in two sentences, reusing its words:\n\n"
        "A compiler turns source code into machine code before the program runs, while an "
        "interpreter reads the source and carries it out line by line. Compiled programs "
        "usually start faster and run faster, because the translation happened once, ahead "
        "of time. Interpreted programs are easier to change and test, because there is no "
        "build step between editing and running. Many languages today mix both: they "
        "compile to a compact bytecode that a virtual machine then interprets.",
        "Summarise this text in two sentences, reusing its words:\n\n"
        "A cache keeps copies of data that are expensive to fetch, close to where they are "
        "used. When the data is asked for again, the cache answers at once instead of "
        "fetching it from the slow source. A cache has limited room, so it must decide "
        "which copies to drop when it is full; a common rule drops the copy that was used "
        "least recently. A cache can also serve stale data when the source changes, so many "
        "caches give each copy a time after which it must be fetched again.",
    ),
    CHAT: (
        "Tell me about speculative decoding.",
        "What should I pack for a weekend hiking trip?",
    ),
}


def calibration_prompts(per_class: int = 2) -> tuple[str, ...]:
    """`per_class` prompts of each class (at most the two held here), class by class."""
    return tuple(p for prompts in PROMPTS.values() for p in prompts[:per_class])
