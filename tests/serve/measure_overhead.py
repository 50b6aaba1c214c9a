"""Measure TTFT and tokens/s through `tandem serve` against the local engine (demo pair).

    python -m tests.serve.measure_overhead [--rounds 15]

The server runs as a separate process (as a user would run it) on 127.0.0.1; the local
engine runs here. Runs are interleaved (local, remote, local, remote ...), greedy, same
prompt and K; the table gives medians. Not a test: it prints figures for the docs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from app.core.engine import GenerationRequest, PairSpec, load_session
from app.core.engine.remote import Endpoint, RemoteSession

DEMO = Path(__file__).resolve().parents[2] / "resources" / "demo"
PROMPTS = ["Write a Python function to add two numbers.", "Tell me about speculative decoding."]


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        if found:
            return proc, found.group(1)
    proc.kill()
    raise RuntimeError("tandem serve did not start")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    proc, url = start_server()
    local = load_session(PairSpec(DEMO / "target", DEMO / "draft"))
    figures: dict[str, dict[str, list[float]]] = {"local": {}, "remote": {}}
    try:
        time.sleep(2.0)  # let the server finish loading its pipeline
        remote = RemoteSession(Endpoint(url))
        for prompt in PROMPTS:  # warm-up, and check that both give the same text
            request = GenerationRequest.chat(prompt, max_new_tokens=64, num_assistant_tokens=3)
            assert local.generate(request).text == remote.generate(request).text
        for _ in range(args.rounds):
            for prompt in PROMPTS:
                request = GenerationRequest.chat(prompt, max_new_tokens=64,
                                                 num_assistant_tokens=3)
                for name, session in (("local", local), ("remote", remote)):
                    stats = session.generate(request).stats
                    row = figures[name]
                    row.setdefault("ttft_ms", []).append(stats.ttft_ms)
                    row.setdefault("decode_tps", []).append(stats.throughput_tps)
                    row.setdefault("e2e_tps", []).append(stats.generated_tokens
                                                         / stats.wall_time_s)
                    row.setdefault("wall_ms", []).append(stats.wall_time_s * 1000)
        remote.close()
    finally:
        local.close()
        proc.terminate()
        proc.wait(10)
    print(f"{'':8} {'TTFT ms':>9} {'decode tok/s':>13} {'end-to-end tok/s':>17} "
          f"{'wall ms':>8}   (medians of {args.rounds * len(PROMPTS)} runs)")
    for name, row in figures.items():
        med = {k: statistics.median(v) for k, v in row.items()}
        print(f"{name:8} {med['ttft_ms']:9.1f} {med['decode_tps']:13.0f} "
              f"{med['e2e_tps']:17.0f} {med['wall_ms']:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
