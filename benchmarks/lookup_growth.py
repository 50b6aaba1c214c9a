"""Does the hybrid's growing lookup pay? One process, interleaved rounds (issue 20).

    python -m benchmarks.lookup_growth --home DIR [--rounds 3] [--new-tokens 128]

First the verify cost on the target: one stateful forward of n tokens against one of 1
token (median of repeats), for n = 1, 2, 5, 9, 17. Then, on the code-edit, summary and a
few HumanEval prompts, the hybrid (lookup, else the int4 draft, K=3) with the lookup that
may grow up to loop.LOOKUP_MAX candidates after a fully accepted lookup, against the same
hybrid with the lookup fixed at K, and GenAI's prompt lookup at K=3 and K=8 beside them;
every setting's text is checked against plain's. Figures are medians over rounds of wall
time per token, as ratios to plain in the same round.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from app.core.engine.universal import loop
from app.core.engine.universal.runner import StatefulModel
from benchmarks.real_bench import find_models
from benchmarks.real_prompts import EDITS, SUMMARIES, humaneval


def verify_costs(target: Path, repeats: int = 7) -> dict[int, float]:
    """Wall time of a forward of n tokens over a 200-token context, over that of 1 token."""
    model = StatefulModel(target, "CPU")
    times: dict[int, list[float]] = defaultdict(list)
    for _ in range(repeats):
        for n in (1, 2, 5, 9, 17):
            model.reset()
            model.forward(list(range(1000, 1200)), rows=1)
            started = time.perf_counter()
            model.forward(list(range(2000, 2000 + n)))
            times[n].append(time.perf_counter() - started)
    one = statistics.median(times[1])
    return {n: statistics.median(v) / one for n, v in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.lookup_growth")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--new-tokens", type=int, default=128)
    parser.add_argument("--code", type=int, default=4)
    args = parser.parse_args(argv)
    os.environ["TANDEM_HOME"] = str(args.home)
    models = find_models(args.home)
    target, draft = models["target-int4"], models["draft-int4"]
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
    costs = verify_costs(target)
    print("verify cost, n tokens / 1 token: " +
          ", ".join(f"{n}: {c:.2f}" for n, c in costs.items()), flush=True)
    prompts = [*(("edit", t) for t in EDITS), *(("summary", t) for t in SUMMARIES),
               *(("code", p.text) for p in humaneval(args.code))]
    sessions = {
        "plain": load_session(PairSpec(target, None, mode=Mode.PLAIN)),
        "GenAI lookup K=3": load_session(PairSpec(target, None, mode=Mode.PROMPT_LOOKUP)),
        "GenAI lookup K=8": load_session(PairSpec(target, None, mode=Mode.PROMPT_LOOKUP)),
        "hybrid K=3, lookup fixed": load_session(PairSpec(target, draft, mode=Mode.UNIVERSAL)),
    }
    sessions["hybrid K=3, lookup grows"] = sessions["hybrid K=3, lookup fixed"]
    growth = {"hybrid K=3, lookup fixed": 0, "hybrid K=3, lookup grows": loop.LOOKUP_MAX}
    names = list(sessions)
    ratios: dict[tuple[str, str, int], list[float]] = defaultdict(list)  # per prompt
    different = 0
    for round_ in range(args.rounds):
        per_prompt: dict[tuple[int, str], float] = {}
        for index, (kind, text) in enumerate(prompts):
            base = GenerationRequest.chat(text, max_new_tokens=args.new_tokens)
            order = names[(round_ + index) % len(names):] + names[:(round_ + index) % len(names)]
            results = {}
            for name in order:
                request = base if name == "plain" else replace(
                    base, num_assistant_tokens=8 if name.endswith("K=8") else 3,
                    max_ngram_size=3)
                loop.LOOKUP_MAX = growth.get(name, loop.LOOKUP_MAX)
                results[name] = sessions[name].generate(request)
            plain = results["plain"]
            cost = plain.stats.wall_time_s / max(1, plain.stats.generated_tokens)
            for name in names[1:]:
                r = results[name]
                if tuple(r.token_ids) != tuple(plain.token_ids):
                    different += 1
                    print(f"  round {round_} {kind} #{index} {name}: text differs from plain "
                          "(bf16: see strategy_bench for the tie probe)", flush=True)
                per_prompt[(index, name)] = cost / (r.stats.wall_time_s
                                                    / max(1, r.stats.generated_tokens))
        for (index, name), ratio in per_prompt.items():
            ratios[(prompts[index][0], name, index)].append(ratio)
        print(f"round {round_ + 1} of {args.rounds} done", flush=True)
    by_kind: dict[tuple[str, str], list[float]] = defaultdict(list)
    for (kind, name, _index), values in ratios.items():
        by_kind[(kind, name)].append(statistics.median(values))
    print(f"\nspeedup over plain int4 (median over {args.rounds} rounds per prompt; "
          "geometric mean per class, [slowest prompt]):")
    for kind in ("edit", "summary", "code"):
        cells = []
        for name in names[1:]:
            values = by_kind[(kind, name)]
            geo = statistics.geometric_mean(values)
            cells.append(f"{name} {geo:.2f}x [{min(values):.2f}]")
        print(f"  {kind:8} " + "; ".join(cells))
    print(f"texts different from plain: {different} of {len(prompts) * args.rounds * 4}; "
          f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
