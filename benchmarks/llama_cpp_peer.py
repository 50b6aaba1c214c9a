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
from benchmarks import llama_cpp_example as example
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


Key = tuple[str, str, str]  # engine ("server" or "example"), setting, prompt


@dataclass
class Runs:
    """Per key: decode tok/s, drafted and accepted tokens, and the texts."""

    speed: dict[Key, list[float]] = field(default_factory=lambda: defaultdict(list))
    drafted: dict[Key, int] = field(default_factory=lambda: defaultdict(int))
    accepted: dict[Key, int] = field(default_factory=lambda: defaultdict(int))
    texts: dict[Key, set[str]] = field(default_factory=lambda: defaultdict(set))
    bench: list[float] = field(default_factory=list)  # llama-bench tg96 tok/s

    def add_reply(self, key: Key, reply: dict[str, Any]) -> None:
        timings = reply.get("timings", {})
        self.speed[key].append(float(timings["predicted_per_second"]))
        self.drafted[key] += int(timings.get("draft_n", 0))
        self.accepted[key] += int(timings.get("draft_n_accepted", 0))
        self.texts[key].add(reply["choices"][0]["message"]["content"])

    def add_example(self, key: Key, run: example.ExampleRun) -> None:
        self.speed[key].append(run.tokens_per_s)
        self.drafted[key] += run.drafted
        self.accepted[key] += run.accepted
        self.texts[key].add(run.text)


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


def llama_bench(tree: LlamaCpp, target: Path, threads: int, tokens: int,
                no_repack: bool = False) -> float:
    out = subprocess.run([str(tree.binary("llama-bench")), "-m", str(target), "-t",
                          str(threads), "-p", "0", "-n", str(tokens), "-r", "1", "-o", "json",
                          *(["--repack", "0"] if no_repack else [])],
                         check=True, capture_output=True, text=True).stdout
    return float(json.loads(out)[0]["avg_ts"])


def bench(tree: LlamaCpp, args: argparse.Namespace) -> tuple[Runs, str]:
    target, draft = gguf(TARGET), gguf(DRAFT)
    configs: list[ServerConfig] = []
    if "server" in args.engines:
        server = tree.binary("llama-server")
        configs = [ServerConfig(server, target, threads=args.threads, port=args.port,
                                no_repack=args.no_repack)] + [
            ServerConfig(server, target, draft, k, args.threads, args.port,
                         no_repack=args.no_repack)
            for k in args.draft_max]
    spec_simple = tree.binary("llama-speculative-simple") if "example" in args.engines \
        else None
    prompts = {name: PROMPTS[name] for name in args.prompts}
    runs = Runs()
    load_before = load_average()
    log = Path(args.log) if args.log else None
    for round_n in range(args.rounds):
        runs.bench.append(llama_bench(tree, target, args.threads, args.tokens,
                                      args.no_repack))
        print(f"llama-bench tg{args.tokens}: {runs.bench[-1]:.2f} tok/s; load "
              f"{load_average()}", flush=True)
        if spec_simple is not None:
            ks = args.draft_max[round_n % len(args.draft_max):] \
                + args.draft_max[:round_n % len(args.draft_max)]
            for k in ks:
                for name, prompt in prompts.items():
                    run = example.run(spec_simple, target, draft, k, prompt, args.threads,
                                      args.tokens, args.no_repack)
                    runs.add_example(("example", f"draft-max {k}", name), run)
                    print(f"speculative-simple draft-max {k} {name}: {run.tokens_per_s:.2f} "
                          f"tok/s, {run.accepted}/{run.drafted} accepted; load "
                          f"{load_average()}", flush=True)
        shift = round_n % max(1, len(configs))
        for config in configs[shift:] + configs[:shift]:
            with LlamaServer(config, log) as live:
                live.chat("Say hello.", 8)  # warm-up
                for name, prompt in prompts.items():
                    reply = live.chat(prompt, args.tokens)
                    runs.add_reply(("server", config.label, name), reply)
                    print(f"server {config.label} {name}: {reply['timings']}", flush=True)
        print(f"round {round_n + 1}/{args.rounds} done; load {load_average()}", flush=True)
    return runs, f"{load_before} before, {load_average()} after (1 / 5 / 15 min)"


def render(tree: LlamaCpp, runs: Runs, load: str, args: argparse.Namespace) -> str:
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
    ]
    if any(key[0] == "example" for key in runs.speed):
        lines += [
            "## Speculative: llama-speculative-simple (its example)",
            "",
            "Decode tok/s from its log (\"decoded N tokens … speed\"); acceptance is "
            "n_accept / n_drafted summed over the rounds. The prompt is wrapped in Qwen's "
            "ChatML template. `same text` compares with draft-max "
            f"{args.draft_max[0]}'s answer.",
            "", *_table(runs, "example", tg, args),
            "",
        ]
    if any(key[0] == "server" for key in runs.speed):
        lines += [
            "## Plain and speculative: llama-server, same chat prompts",
            "",
            "Decode tok/s is the server's `timings.predicted_per_second` (prompt processing "
            "excluded); acceptance is `draft_n_accepted / draft_n` summed over the rounds. "
            "`same text` compares each answer with the plain server's.",
            "", *_table(runs, "server", tg, args),
            "",
        ]
    lines += ["Prompts:", ""] + [f"- {name}: “{PROMPTS[name]}”" for name in args.prompts]
    return "\n".join(lines) + "\n"


def _table(runs: Runs, engine: str, tg: float, args: argparse.Namespace) -> list[str]:
    settings = (["plain"] if engine == "server" else []) \
        + [f"draft-max {k}" for k in args.draft_max]
    reference = "plain" if engine == "server" else f"draft-max {args.draft_max[0]}"
    head = "| setting | prompt | decode tok/s (median) | "
    head += "× server plain | " if engine == "server" else ""
    lines = [head + "× llama-bench tg | drafted | accepted | acceptance | same text |",
             "|---" * (9 if engine == "server" else 8) + "|"]
    for label in settings:
        for name in args.prompts:
            key = (engine, label, name)
            if not runs.speed.get(key):
                continue
            speed = statistics.median(runs.speed[key])
            drafted, accepted = runs.drafted[key], runs.accepted[key]
            rate = f"{accepted / drafted:.0%}" if drafted else "—"
            same = "yes" if runs.texts[key] == runs.texts[(engine, reference, name)] else "no"
            row = f"| {label} | {name} | {speed:.1f} | "
            if engine == "server":
                plain = statistics.median(runs.speed[("server", "plain", name)])
                row += f"{speed / plain:.2f}× | "
            lines.append(row + f"{speed / tg:.2f}× | {drafted or '—'} | {accepted or '—'} | "
                         f"{rate} | {same} |")
    return lines


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
                          args.threads, args.port, no_repack=args.no_repack)
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
    parser.add_argument("--engines", nargs="+", choices=("example", "server"),
                        default=["example", "server"],
                        help="bench: llama-speculative-simple and/or llama-server")
    parser.add_argument("--prompts", nargs="+", choices=sorted(PROMPTS),
                        default=list(PROMPTS))
    parser.add_argument("--plain", action="store_true", help="serve: no draft model")
    parser.add_argument("--no-repack", action="store_true",
                        help="no weight repacking / AMX buffers (where ggml's AMX path "
                        "crashes, as it did on the Sapphire Rapids VM used here)")
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
    runs, load = bench(tree, args)
    text = render(tree, runs, load, args)
    print(text)
    if args.out:
        write(args.out, text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
