"""The llama.cpp peer: plain and draft-model speculative tok/s on the same GGUF files.

llama.cpp is the engine behind LM Studio and Ollama. This builds it from the sources that
the `llama-cpp-python` sdist vendors (into a cache outside the repository) and measures:

- plain decode with `llama-bench` (tg96: 96 new tokens after an empty prompt);
- plain and speculative decode with `llama-server` on the same chat prompts (greedy,
  its own chat template), one server per setting, with the 0.5B draft at
  `--spec-draft-n-max` 1..5; decode tok/s and acceptance come from the server's
  `timings` (`predicted_per_second`, `draft_n`, `draft_n_accepted`).

Every round runs each setting once (in a rotated order); the tables give medians.

    python -m benchmarks.real_models fetch          # the GGUF files
    python -m benchmarks.llama_cpp_peer build       # about 30-60 min on 2 cores
    python -m benchmarks.llama_cpp_peer bench --out benchmarks/results/real/llama-cpp.md
    python -m benchmarks.llama_cpp_peer serve --draft-max 3 --port 8091   # for Tandem
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.devtools.real_weights import MODELS, default_cache, model_path
from benchmarks.llama_cpp_build import CMAKE_FLAGS, LlamaCpp, build, locate
from benchmarks.llama_cpp_server import LlamaServer, ServerConfig

TARGET = "qwen2.5-coder-1.5b"
DRAFT = "qwen2.5-coder-0.5b"
PROMPTS = {
    "code": "Write a Python function that parses an ISO 8601 date string and returns a "
            "datetime, with error handling and a docstring.",
    "chat": "Explain the difference between a process and a thread to a new programmer.",
}
KEEP_MARKER = "<!-- Notes below this line are kept when the script rewrites the file. -->"


@dataclass
class Runs:
    """Per (setting, prompt): decode tok/s, drafted and accepted tokens, and the texts."""

    speed: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    drafted: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    accepted: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))
    texts: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    bench: list[float] = field(default_factory=list)  # llama-bench tg96 tok/s

    def add(self, key: tuple[str, str], reply: dict[str, Any]) -> None:
        timings = reply.get("timings", {})
        self.speed[key].append(float(timings["predicted_per_second"]))
        self.drafted[key] += int(timings.get("draft_n", 0))
        self.accepted[key] += int(timings.get("draft_n_accepted", 0))
        self.texts[key].add(reply["choices"][0]["message"]["content"])


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def gguf(name: str) -> Path:
    path = model_path(MODELS[name], default_cache())
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `python -m benchmarks.real_models fetch`.")
    return path


def llama_bench(tree: LlamaCpp, target: Path, threads: int, tokens: int) -> float:
    out = subprocess.run([str(tree.binary("llama-bench")), "-m", str(target), "-t",
                          str(threads), "-p", "0", "-n", str(tokens), "-r", "1", "-o", "json"],
                         check=True, capture_output=True, text=True).stdout
    return float(json.loads(out)[0]["avg_ts"])


def bench(tree: LlamaCpp, args: argparse.Namespace) -> tuple[Runs, list[str], str]:
    target, draft = gguf(TARGET), gguf(DRAFT)
    server = tree.binary("llama-server")
    configs = [ServerConfig(server, target, threads=args.threads, port=args.port)] + [
        ServerConfig(server, target, draft, k, args.threads, args.port) for k in args.draft_max]
    runs = Runs()
    load_before = load_average()
    log = Path(args.log) if args.log else None
    for round_n in range(args.rounds):
        runs.bench.append(llama_bench(tree, target, args.threads, args.tokens))
        shift = round_n % len(configs)
        for config in configs[shift:] + configs[:shift]:
            with LlamaServer(config, log) as live:
                live.chat("Say hello.", 8)  # warm-up
                for name, prompt in PROMPTS.items():
                    runs.add((config.label, name), live.chat(prompt, args.tokens))
        print(f"round {round_n + 1}/{args.rounds} done; load {load_average()}", flush=True)
    load = f"{load_before} before, {load_average()} after (1 / 5 / 15 min)"
    return runs, [c.label for c in configs], load


def render(tree: LlamaCpp, runs: Runs, labels: list[str], load: str,
           args: argparse.Namespace) -> str:
    tg = statistics.median(runs.bench)
    lines = [
        "# llama.cpp on the same GGUF files",
        "",
        f"- Engine: {tree.describe()}; built with `{' '.join(_flags())}`.",
        f"- CPU: {cpu_name()}, {os.cpu_count()} logical cores, shared with other jobs; "
        f"load average {load}.",
        f"- Target {MODELS[TARGET].file_name}, draft {MODELS[DRAFT].file_name}; "
        f"{args.threads} threads (`-t/-tb/-td/-tbd {args.threads}`), {args.tokens} new "
        f"tokens, greedy (temperature 0), {args.rounds} interleaved rounds, medians.",
        "",
        "## Plain: llama-bench",
        "",
        "| test | tok/s (median) | rounds |",
        "|---|---|---|",
        f"| tg{args.tokens} | **{tg:.1f}** | {', '.join(f'{x:.1f}' for x in runs.bench)} |",
        "",
        "## Plain and speculative: llama-server, same chat prompts",
        "",
        "Decode tok/s is the server's `timings.predicted_per_second` (prompt processing "
        "excluded); acceptance is `draft_n_accepted / draft_n` summed over the rounds. "
        "`same text` compares each answer with the plain server's.",
        "",
        "| setting | prompt | decode tok/s (median) | × server plain | × llama-bench tg | "
        "drafted | accepted | acceptance | same text |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label in labels:
        for name in PROMPTS:
            key = (label, name)
            speed = statistics.median(runs.speed[key])
            plain = statistics.median(runs.speed[("plain", name)])
            drafted, accepted = runs.drafted[key], runs.accepted[key]
            rate = f"{accepted / drafted:.0%}" if drafted else "—"
            same = "yes" if runs.texts[key] == runs.texts[("plain", name)] else "no"
            lines.append(f"| {label} | {name} | {speed:.1f} | {speed / plain:.2f}× | "
                         f"{speed / tg:.2f}× | {drafted or '—'} | {accepted or '—'} | {rate} "
                         f"| {same} |")
    lines += ["", "Prompts:", ""] + [f"- {name}: “{text}”" for name, text in PROMPTS.items()]
    return "\n".join(lines) + "\n"


def _flags() -> list[str]:
    return ["cmake", *CMAKE_FLAGS]


def write(out: Path, text: str) -> None:
    kept = ""
    if out.exists():
        old = out.read_text(encoding="utf-8")
        if KEEP_MARKER in old:
            kept = old[old.index(KEEP_MARKER):]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n" + (kept or KEEP_MARKER + "\n"), encoding="utf-8")


def serve(tree: LlamaCpp, args: argparse.Namespace) -> int:
    config = ServerConfig(tree.binary("llama-server"), gguf(TARGET),
                          None if args.plain else gguf(DRAFT), args.draft_max[0],
                          args.threads, args.port)
    print(" ".join(config.command()), flush=True)
    with LlamaServer(config):
        print(f"ready at {config.url} ({config.label}); try:\n  python -m app generate "
              f"--endpoint {config.url} \"Write a Python function to add two numbers.\"\n"
              "Ctrl+C stops the server.", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.llama_cpp_peer",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("build", "bench", "serve"))
    parser.add_argument("--jobs", type=int, default=2, help="build: parallel compile jobs")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--tokens", type=int, default=96)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--draft-max", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--plain", action="store_true", help="serve: no draft model")
    parser.add_argument("--log", help="append the servers' output to this file")
    parser.add_argument("--out", type=Path, help="bench: write the Markdown table here")
    args = parser.parse_args(argv)
    if args.command == "build":
        tree = build(jobs=args.jobs)
        print(f"built {tree.describe()} in {tree.build / 'bin'}")
        return 0
    tree = locate()
    if args.command == "serve":
        return serve(tree, args)
    runs, labels, load = bench(tree, args)
    text = render(tree, runs, labels, load, args)
    print(text)
    if args.out:
        write(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
