"""The peer comparison: the same pair in PyTorch with Hugging Face transformers, plain and
with assisted generation, side by side with Tandem (OpenVINO GenAI) in the same process.

This is what a user would otherwise run on a CPU. All four runs use the same chat prompt
and greedy decoding; they alternate (Tandem plain, Tandem speculative, transformers plain,
transformers assisted) after a warm-up round, and the table shows medians.

    python -m benchmarks.peer_hf                  # the cost-scaled pair (built if missing)
    python -m benchmarks.peer_hf --extra-neurons 0   # the tiny demo pair
    python -m benchmarks.peer_hf --real DIR          # the real Qwen pair of real_dequantize

Precision differs by design: Tandem runs the int8 OpenVINO export (what it ships),
transformers the float32 checkpoint (what a user loads with `from_pretrained`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app import paths
from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from benchmarks.cost_scaled import build_cost_scaled_target, default_out_dir

PROMPTS = ("Tell me about speculative decoding.",
           "Write a Python function to add two numbers.")


@dataclass
class Side:
    name: str
    runtime: str
    rates: list[float] = field(default_factory=list)  # generated tokens / wall second
    tokens: list[int] = field(default_factory=list)
    texts: list[tuple[int, ...]] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.rates)


class HFPair:
    def __init__(self, target: Path, draft: Path, k: int) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(os.cpu_count() or 1)
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(target))
        self.target = AutoModelForCausalLM.from_pretrained(str(target), dtype=torch.float32)
        self.draft = AutoModelForCausalLM.from_pretrained(str(draft), dtype=torch.float32)
        self.target.eval()
        self.draft.eval()
        # A constant K, as in Tandem's runs (transformers' default adapts K per step).
        self.draft.generation_config.num_assistant_tokens = k
        self.draft.generation_config.num_assistant_tokens_schedule = "constant"
        self.draft.generation_config.assistant_confidence_threshold = 0.0

    def generate(self, prompt: str, max_new_tokens: int, assisted: bool) -> tuple[int, ...]:
        messages = [{"role": "user", "content": prompt}]
        text = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                                  tokenize=False)
        inputs = self.tokenizer(text, return_tensors="pt", add_special_tokens=False)
        kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "do_sample": False,
                                  "pad_token_id": self.tokenizer.pad_token_id}
        if assisted:
            kwargs["assistant_model"] = self.draft
        with self.torch.inference_mode():
            out = self.target.generate(**inputs, **kwargs)
        return tuple(int(t) for t in out[0, inputs["input_ids"].shape[1]:])


def run(target_ov: Path, target_hf: Path, draft_ov: Path, draft_hf: Path, k: int,
        new_tokens: int, repeats: int) -> list[Side]:
    spec = PairSpec(target_ov, draft_ov, name="peer")
    plain = load_session(PairSpec(target_ov, None, mode=Mode.PLAIN))
    speculative = load_session(spec)
    hf = HFPair(target_hf, draft_hf, k)
    sides = [Side("plain", "Tandem (OpenVINO GenAI)"),
             Side(f"speculative K={k}", "Tandem (OpenVINO GenAI)"),
             Side("plain", "transformers (PyTorch)"),
             Side(f"assisted K={k}", "transformers (PyTorch)")]

    def tandem(session: Any, prompt: str) -> tuple[float, tuple[int, ...]]:
        request = GenerationRequest.chat(prompt, max_new_tokens=new_tokens,
                                         num_assistant_tokens=k
                                         if session is speculative else None)
        result = session.generate(request)
        return result.stats.wall_time_s, result.token_ids

    def torch_side(assisted: bool, prompt: str) -> tuple[float, tuple[int, ...]]:
        started = time.perf_counter()
        ids = hf.generate(prompt, new_tokens, assisted)
        return time.perf_counter() - started, ids

    runners = [lambda p: tandem(plain, p), lambda p: tandem(speculative, p),
               lambda p: torch_side(False, p), lambda p: torch_side(True, p)]
    for round_ in range(-1, repeats):
        for prompt in PROMPTS:
            for side, runner in zip(sides, runners, strict=True):
                seconds, ids = runner(prompt)
                if round_ >= 0:
                    side.rates.append(len(ids) / seconds)
                    side.tokens.append(len(ids))
                    side.texts.append(ids)
    plain.close()
    speculative.close()
    return sides


def table(sides: list[Side], title: str) -> str:
    reference = sides[0].texts
    lines = [f"### {title}", "",
             "| runtime | mode | tokens/s (median) | speedup over its own plain | "
             "tokens per answer | same tokens as Tandem plain |",
             "|---|---|---|---|---|---|"]
    for index, side in enumerate(sides):
        own_plain = sides[0] if index < 2 else sides[2]
        same = "✓" if side.texts == reference else "✗"
        lines.append(f"| {side.runtime} | {side.name} | {side.median:.1f} | "
                     f"{side.median / own_plain.median:.2f}× | "
                     f"{statistics.median(side.tokens):.0f} | {same} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Tandem against transformers, same pair.")
    parser.add_argument("--extra-neurons", type=int, default=120_000,
                        help="cost-scaled target width (0: the tiny demo target)")
    parser.add_argument("--k", type=int, default=2)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, help="append the table to this Markdown file")
    parser.add_argument("--real", type=Path, help="the --cache folder of "
                        "benchmarks.real_dequantize: its Qwen checkpoints and IR")
    parser.add_argument("--draft-weights", default="int8", help="with --real: the draft IR")
    args = parser.parse_args(argv)
    demo = paths.demo_dir()
    rounds = f"{args.new_tokens} new tokens, {args.repeats} rounds × {len(PROMPTS)} prompts"
    if args.real:
        from benchmarks.real_bench import find_models

        models = find_models(args.real / "home")
        sides = run(models["target-int4"], args.real / "hf" / "qwen2.5-coder-1.5b",
                    models[f"draft-{args.draft_weights}"],
                    args.real / "hf" / "qwen2.5-coder-0.5b", args.k, args.new_tokens,
                    args.repeats)
        title = (f"Qwen2.5-Coder-1.5B (Tandem int4, transformers float32) + 0.5B draft "
                 f"(Tandem {args.draft_weights})")
    else:
        if args.extra_neurons > 0:
            out = default_out_dir(args.extra_neurons)
            target_ov = build_cost_scaled_target(out, args.extra_neurons)
            target_hf = out / "hf"
            title = f"cost-scaled target (+{args.extra_neurons} neurons) + demo draft"
        else:
            target_ov, target_hf = demo / "target", demo / "hf" / "target"
            title = "demo pair + demo draft"
        sides = run(target_ov, target_hf, demo / "draft", demo / "hf" / "draft", args.k,
                    args.new_tokens, args.repeats)
    text = table(sides, f"Peer comparison, {title}, greedy, {rounds}")
    print(text)
    if args.out:
        with args.out.open("a", encoding="utf-8") as handle:
            handle.write("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
