"""Does a plain answer's cost depend on where it runs in the sweep's sequence?

The real sweep's baseline is the mean of plain int4's first and last answer per prompt;
Auto's chat rows, which run the same plain int4 model on a second pipeline, came out
1.06-1.13x "faster" than it. This runs, per prompt: A (the baseline pipeline), B (a second
plain int4 pipeline), A again, A a third time, and prints each answer's seconds per token.

    python -m benchmarks.order_check --home DIR/home [--prompts 4]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.core.engine import GenerationRequest, PairSpec, load_session
from benchmarks.real_bench import find_models
from benchmarks.real_prompts import CHAT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--prompts", type=int, default=4)
    args = parser.parse_args(argv)
    target = find_models(args.home)["target-int4"]
    a = load_session(PairSpec(target, name="A"))
    b = load_session(PairSpec(target, name="B"))
    for text in CHAT[: args.prompts]:
        request = GenerationRequest.chat(text, max_new_tokens=64)
        costs = []
        for label, session in (("A1", a), ("B", b), ("A2", a), ("A3", a)):
            stats = session.generate(request).stats
            costs.append(f"{label} {1000 * stats.wall_time_s / stats.generated_tokens:.1f} ms "
                         f"(ttft {stats.ttft_ms:.0f} ms)")
        print(f"{text[:40]!r}: " + ", ".join(costs), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
