"""The demo pair's reference answers and acceptance figures, written next to the IR.

`expected.json` ({prompt: greedy answer}) is what `tandem --self-test` and the rebuild test
compare against; `demo-stats.json` records the draft's acceptance on the same prompts.
Both are made with the runtime engine (no torch), so they describe exactly what users get.
"""

from __future__ import annotations

import json
from pathlib import Path
from statistics import median

from app.core.engine import GenerationRequest, PairSpec, load_session

PROMPTS = (
    "Tell me about speculative decoding.",
    "Write a Python function to add two numbers.",
    "What is the capital of France?",
    "How many legs does a spider have?",
    "Tell me about OpenVINO.",
    "Hello!",
)
MAX_NEW_TOKENS = 48
K = 3


def write_expected(demo: Path) -> dict[str, str]:
    session = load_session(PairSpec(demo / "target"))
    answers = {p: session.generate(GenerationRequest.chat(p, max_new_tokens=MAX_NEW_TOKENS)).text
               for p in PROMPTS}
    session.close()
    (demo / "expected.json").write_text(
        json.dumps(answers, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return answers


def write_draft_stats(demo: Path) -> dict[str, float]:
    session = load_session(PairSpec(demo / "target", demo / "draft"))
    accepted = drafted = generated = steps = 0
    rates = []
    for prompt in PROMPTS:
        stats = session.generate(GenerationRequest.chat(
            prompt, max_new_tokens=MAX_NEW_TOKENS, num_assistant_tokens=K)).stats
        accepted += stats.accepted_tokens or 0
        drafted += stats.drafted_tokens or 0
        generated += stats.generated_tokens
        steps += stats.target_steps
        rates.append(stats.acceptance_rate or 0.0)
    session.close()
    figures = {"k": K, "acceptance_rate": round(accepted / drafted, 4),
               "median_prompt_acceptance": round(median(rates), 4),
               "block_efficiency": round(generated / steps, 4),
               "generated_tokens": generated, "target_steps": steps}
    (demo / "demo-stats.json").write_text(json.dumps(figures, indent=2) + "\n",
                                          encoding="utf-8")
    return figures


if __name__ == "__main__":
    import sys

    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("resources/demo")
    print(json.dumps({"expected": write_expected(folder), "stats": write_draft_stats(folder)},
                     indent=2, ensure_ascii=False))
