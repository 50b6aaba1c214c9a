"""llama.cpp's own speculative example, `llama-speculative-simple`, run once and parsed.

It takes a raw prompt (no chat template), so the prompt is wrapped in Qwen2.5's ChatML
template here, as its chat template would; greedy (`--temp 0`). Its log gives the decode
speed ("decoded N tokens in S seconds, speed: X t/s"), n_drafted and n_accept.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

CHATML = ("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
          "assistant.<|im_end|>\n<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n")
_DECODED = re.compile(r"decoded\s+(\d+) tokens in\s+([\d.]+) seconds, speed:\s+([\d.]+) t/s")
_DRAFTED = re.compile(r"n_drafted\s*=\s*(\d+)")
_ACCEPTED = re.compile(r"n_accept\s*=\s*(\d+)")


@dataclass(frozen=True)
class ExampleRun:
    tokens: int
    tokens_per_s: float
    drafted: int
    accepted: int
    text: str


def parse(stdout: str, stderr: str) -> ExampleRun:
    log = stdout + "\n" + stderr
    decoded, drafted, accepted = (_DECODED.search(log), _DRAFTED.search(log),
                                  _ACCEPTED.search(log))
    if not (decoded and drafted and accepted):
        raise RuntimeError("llama-speculative-simple printed no speed/acceptance lines:\n"
                           + log[-2000:])
    return ExampleRun(int(decoded.group(1)), float(decoded.group(3)), int(drafted.group(1)),
                      int(accepted.group(1)), stdout.strip())


def run(binary: Path, target: Path, draft: Path, draft_max: int, prompt: str,
        threads: int, tokens: int, no_repack: bool = False) -> ExampleRun:
    command = [str(binary), "-m", str(target), "-md", str(draft), "-p",
               CHATML.format(prompt=prompt), "-n", str(tokens), "-t", str(threads),
               "-tb", str(threads), "-td", str(threads), "-tbd", str(threads),
               "--spec-type", "draft-simple", "--spec-draft-n-max", str(draft_max),
               "--temp", "0", "-c", "2048",
               *(["--no-repack"] if no_repack else [])]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"llama-speculative-simple failed ({done.returncode}):\n"
                           + done.stderr[-2000:])
    return parse(done.stdout, done.stderr)
