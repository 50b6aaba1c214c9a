"""How far apart can one-token and multi-token forwards of the same target put its logits?

The tie rule (app/core/bench/tie_margin.py) calls a greedy divergence a numerical tie when
the target's own top-2 margin there is below a threshold. The threshold must sit above
the rounding a verification pass can add, and that depends on the precision the device
computes in (f32, or bf16 on CPUs with bf16 units, f16 on GPUs). This script measures it
on a real target: the prompt in one forward, then greedy decoding one token at a time
(plain's path), then the same generated tokens again in chunks of n = 2..9 tokens (a
verification pass reads K+1 at once). For every position it compares the two paths'
top-2 margin and counts the argmax flips.

    python -m benchmarks.tie_noise --target DIR/home/models/<target>/int4 [--precision bf16,f32]

Prints one line per precision and chunk size, and a JSON summary (the last line).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from app.core.engine.universal.runner import StatefulModel
from benchmarks.real_prompts import all_prompts


def _margin(row: np.ndarray, best: int, second: int) -> float:
    return float(row[best] - row[second])


def measure(target: Path, precision: str, prompts: list[list[int]], new_tokens: int,
            chunks: list[int]) -> dict[str, float | int]:
    props = {"INFERENCE_PRECISION_HINT": precision} if precision else {}
    model = StatefulModel(target, "CPU", props, "target")
    diffs: dict[int, list[float]] = {n: [] for n in chunks}
    flips = dict.fromkeys(chunks, 0)
    small_margins: list[float] = []
    for ids in prompts:
        model.reset()
        rows = [model.forward(ids)[-1]]
        generated: list[int] = []
        for _ in range(new_tokens):
            token = int(np.argmax(rows[-1]))
            generated.append(token)
            rows.append(model.forward([token])[-1])
        tops = [tuple(int(i) for i in np.argsort(r)[-2:][::-1]) for r in rows[:-1]]
        single = [_margin(r, *t) for r, t in zip(rows[:-1], tops, strict=True)]
        small_margins += sorted(single)[:3]
        for n in chunks:
            model.reset()
            chunked = [model.forward(ids)[-1]]
            for start in range(0, len(generated) - 1, n):
                chunked += list(model.forward(generated[start:start + n]))
            for position, (row, top) in enumerate(zip(chunked, tops, strict=False)):
                diffs[n].append(abs(_margin(row, *top) - single[position]))
                flips[n] += int(np.argmax(row)) != top[0]
    summary: dict[str, float | int] = {}
    for n in chunks:
        values = np.array(diffs[n])
        summary[f"n{n}_max"] = float(values.max())
        summary[f"n{n}_p99"] = float(np.percentile(values, 99))
        summary[f"n{n}_flips"] = flips[n]
        print(f"{precision or 'default'}, chunks of {n}: margin change median "
              f"{np.median(values):.4f}, p99 {summary[f'n{n}_p99']:.4f}, max "
              f"{summary[f'n{n}_max']:.4f}; argmax flips {flips[n]} of {len(values)}",
              flush=True)
    summary["positions"] = len(diffs[chunks[0]])
    summary["smallest_single_margins"] = float(np.min(small_margins))
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=Path, required=True)
    parser.add_argument("--precision", default="bf16,f32",
                        help="INFERENCE_PRECISION_HINT values ('' = the device's default)")
    parser.add_argument("--prompts", type=int, default=3, help="code and chat prompts each")
    parser.add_argument("--new-tokens", type=int, default=48)
    parser.add_argument("--chunks", default="2,4,6,9")
    args = parser.parse_args(argv)
    from transformers import AutoTokenizer  # benchmark-only, beside the IR

    tokenizer = AutoTokenizer.from_pretrained(args.target)
    prompts = [list(tokenizer.apply_chat_template([{"role": "user", "content": p.text}],
                                                  add_generation_prompt=True,
                                                  return_dict=True)["input_ids"])
               for p in all_prompts(args.prompts, args.prompts)[: 2 * args.prompts]]
    chunks = [int(n) for n in args.chunks.split(",")]
    results = {p or "default": measure(args.target, p, prompts, args.new_tokens, chunks)
               for p in args.precision.split(",")}
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
