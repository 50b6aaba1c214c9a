"""The demo pair's training text, generated deterministically from a seed.

The corpus mixes three registers so that the demo answers read as language, not noise:
short chat exchanges in the demo chat format, small Python functions, and plain prose.
Templates keep the text predictable enough for a tiny draft to agree with the target
often, while the slot values (names, numbers, places) are where the two models differ.
"""

from __future__ import annotations

import random

USER, ASSISTANT, SYSTEM, END = "<|user|>", "<|assistant|>", "<|system|>", "<|end|>"

CAPITALS = [
    ("France", "Paris"), ("Germany", "Berlin"), ("Italy", "Rome"), ("Spain", "Madrid"),
    ("Japan", "Tokyo"), ("Canada", "Ottawa"), ("Brazil", "Brasília"), ("Peru", "Lima"),
    ("Egypt", "Cairo"), ("Kenya", "Nairobi"), ("Norway", "Oslo"), ("Poland", "Warsaw"),
    ("Greece", "Athens"), ("Chile", "Santiago"), ("Colombia", "Bogotá"), ("India", "New Delhi"),
    ("Ireland", "Dublin"), ("Austria", "Vienna"), ("Portugal", "Lisbon"), ("Sweden", "Stockholm"),
]
ANIMALS = [("cat", 4), ("dog", 4), ("bird", 2), ("spider", 8), ("ant", 6), ("horse", 4),
           ("duck", 2), ("bee", 6), ("crab", 10), ("fox", 4)]
COLOURS = ["red", "blue", "green", "yellow", "small", "quiet", "happy", "old", "young", "brown"]
PLACES = ["river", "garden", "forest", "market", "village", "station", "bridge", "library"]
VERBS = ["walks to", "runs past", "looks at", "sits near", "waits by", "jumps over"]
TIMES = ["In the morning", "At night", "After lunch", "On Sunday", "Every day", "Later"]
WEATHER = ["sunny", "rainy", "cold", "warm", "windy", "cloudy"]
OPS = [("add", "+"), ("subtract", "-"), ("multiply", "*"), ("divide", "/"), ("power", "**")]
NAMES = ["numbers", "values", "items", "scores", "prices", "words", "lines", "rows"]
TOPICS = [
    ("speculative decoding",
     "Speculative decoding lets a small draft model propose a few tokens. The large target "
     "model checks them in one pass and keeps the ones it agrees with, so the answer arrives "
     "sooner with the same text."),
    ("a draft model",
     "A draft model is a small and fast model. It guesses the next tokens, and the target "
     "model accepts the guesses that match its own choice."),
    ("OpenVINO",
     "OpenVINO is a toolkit that runs neural networks on the CPU, the GPU and the NPU of a "
     "computer. It makes local models fast."),
    ("a token",
     "A token is a small piece of text, such as a word or a part of a word. Models read and "
     "write text one token at a time."),
    ("the weather",
     "The weather changes from day to day. It can be sunny in the morning and rainy at night."),
    ("Python",
     "Python is a programming language. It is easy to read, and it is used for scripts, data "
     "and the web."),
]
GREETINGS = [("Hello!", "Hello! How can I help you today?"),
             ("Hi there.", "Hi! What would you like to talk about?"),
             ("Thank you.", "You are welcome. Is there anything else I can do?"),
             ("Who are you?", "I am Tandem, a small demo model that runs on your computer.")]
SYSTEM_PROMPTS = ["You are a helpful assistant.", "You are a friendly assistant.",
                  "Answer in one short sentence."]


def _chat(rng: random.Random, turns: list[tuple[str, str]]) -> str:
    parts: list[str] = []
    if rng.random() < 0.3:
        parts.append(f"{SYSTEM}\n{rng.choice(SYSTEM_PROMPTS)}{END}\n")
    for question, answer in turns:
        parts.append(f"{USER}\n{question}{END}\n{ASSISTANT}\n{answer}{END}\n")
    return "".join(parts)


def _function(rng: random.Random) -> str:
    name, op = rng.choice(OPS)
    a, b = rng.sample(["a", "b", "x", "y", "left", "right"], 2)
    return f"def {name}({a}, {b}):\n    return {a} {op} {b}\n"


def _loop(rng: random.Random) -> str:
    items = rng.choice(NAMES)
    item = items[:-1]
    n = rng.randint(2, 9)
    return (
        f"def total_{items}({items}):\n    result = 0\n    for {item} in {items}:\n"
        f"        result += {item}\n    return result\n\n\nprint(total_{items}(list(range({n})))\n"
    )


def _class(rng: random.Random) -> str:
    animal, legs = rng.choice(ANIMALS)
    cls = animal.capitalize()
    return (
        f"class {cls}:\n    def __init__(self, name):\n        self.name = name\n"
        f"        self.legs = {legs}\n\n    def speak(self):\n"
        f"        return f\"{{self.name}} is a {animal}.\"\n"
    )


def _code_answer(rng: random.Random) -> tuple[str, str]:
    name, op = rng.choice(OPS)
    question = f"Write a Python function to {name} two numbers."
    answer = f"Here is a function:\n```python\ndef {name}(a, b):\n    return a {op} b\n```"
    return question, answer


def _prose(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(2, 4)):
        colour = rng.choice(COLOURS)
        animal, _legs = rng.choice(ANIMALS)
        sentences.append(
            f"{rng.choice(TIMES)}, the {colour} {animal} {rng.choice(VERBS)} the "
            f"{rng.choice(PLACES)}."
        )
    sentences.append(f"The day is {rng.choice(WEATHER)}.")
    return " ".join(sentences) + "\n"


def _qa(rng: random.Random) -> tuple[str, str]:
    kind = rng.randrange(5)
    if kind == 0:
        country, capital = rng.choice(CAPITALS)
        return f"What is the capital of {country}?", f"The capital of {country} is {capital}."
    if kind == 1:
        animal, legs = rng.choice(ANIMALS)
        return f"How many legs does a {animal} have?", f"A {animal} has {legs} legs."
    if kind == 2:
        topic, text = rng.choice(TOPICS)
        return f"Tell me about {topic}.", text
    if kind == 3:
        return rng.choice(GREETINGS)
    return _code_answer(rng)


def generate_corpus(seed: int, documents: int) -> list[str]:
    """Return `documents` training documents; the same seed always gives the same list."""
    rng = random.Random(seed)
    docs: list[str] = []
    for _ in range(documents):
        roll = rng.random()
        if roll < 0.45:
            docs.append(_chat(rng, [_qa(rng) for _ in range(rng.randint(1, 3))]))
        elif roll < 0.6:
            docs.append(_function(rng))
        elif roll < 0.7:
            docs.append(_loop(rng))
        elif roll < 0.77:
            docs.append(_class(rng))
        else:
            docs.append(_prose(rng))
    return docs
