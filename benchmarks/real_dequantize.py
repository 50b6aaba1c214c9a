"""Dequantize the real GGUF files into Hugging Face checkpoints, then convert them to
OpenVINO IR with `tandem models add` in every weight format the real-model benchmark uses.

    python -m benchmarks.real_dequantize --cache DIR [--gguf-dir DIR] [--pairs a,b]

--gguf-dir holds the assembled GGUF files (default: where `python -m
benchmarks.real_models fetch` puts them). Checkpoints go to
`<cache>/hf/<name>`, the IR into the Tandem store at `<cache>/home` (TANDEM_HOME), one
pair per target/draft format. Conversions run one at a time (each needs a few GB of RAM).
This is a benchmark helper: it imports transformers, which the app's runtime never does.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

TARGET_GGUF = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
DRAFT_GGUF = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
# Qwen dequantizes with a correct tokenizer (checked by `check_tokenizer`); SmolLM2 does
# not (issue 11), so it is left to GenAI's own GGUF reader or the store's GGUF import.
PROBES = ("def add(a, b):\n    return a + b", "The quick brown fox jumps over the lazy dog.",
          "  indented\ttabs  and ünïcödé 日本語")
# (pair name, target weights, draft weights)
PAIRS = (("qwen-1.5b-int4-0.5b-int8", "int4", "int8"),
         ("qwen-1.5b-int4-0.5b-int4", "int4", "int4"),
         ("qwen-1.5b-int8-0.5b-int8", "int8", "int8"),
         ("qwen-1.5b-int8-0.5b-int4", "int8", "int4"))


def dequantize(gguf: Path, out: Path) -> Path:
    """An HF checkpoint (float16) made from a GGUF file; reused when already there."""
    if (out / "config.json").exists():
        return out
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name,
                                                 dtype=torch.float16)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out)
    model.save_pretrained(out)
    return out


def _gguf_vocabulary(gguf_file: Path) -> tuple[list[str], int]:
    """The GGUF's own token strings and end-of-sequence id."""
    from gguf import GGUFReader

    reader = GGUFReader(gguf_file)
    field = reader.fields["tokenizer.ggml.tokens"]
    tokens = [bytes(field.parts[i]).decode("utf-8") for i in field.data]
    eos = int(reader.fields["tokenizer.ggml.eos_token_id"].parts[-1][0])
    return tokens, eos


def check_tokenizer(checkpoint: Path, gguf_file: Path) -> None:
    """The dequantized tokenizer must have the GGUF's vocabulary (every id's string) and end
    id, and encode the probes to ordinary tokens that decode back exactly; exit otherwise
    (issue 11: a wrong tokenizer can be built without a word)."""
    from transformers import AutoTokenizer

    hf = AutoTokenizer.from_pretrained(checkpoint)
    tokens, eos = _gguf_vocabulary(gguf_file)
    ours = hf.convert_ids_to_tokens(list(range(len(tokens))))
    wrong = [i for i, (a, b) in enumerate(zip(ours, tokens, strict=True)) if a != b]
    if wrong:
        raise SystemExit(f"{checkpoint.name}: {len(wrong)} token strings differ from the "
                         f"GGUF, first at id {wrong[0]}")
    if hf.eos_token_id != eos:
        # transformers keeps <|endoftext|> as the end token; the GGUF (an instruct model)
        # ends on <|im_end|>: carry the GGUF's end over, as the store's import does.
        print(f"{checkpoint.name}: end token {hf.eos_token!r} -> {tokens[eos]!r} (the GGUF's)")
        hf.eos_token = tokens[eos]
        hf.save_pretrained(checkpoint)
        hf = AutoTokenizer.from_pretrained(checkpoint)
    generation = json.loads((checkpoint / "generation_config.json").read_text("utf-8"))
    ends = generation.get("eos_token_id")
    if hf.eos_token_id != eos or eos not in (ends if isinstance(ends, list) else [ends]):
        raise SystemExit(f"{checkpoint.name}: end id {hf.eos_token_id} / {ends}, GGUF says "
                         f"{eos}")
    special = set(hf.all_special_ids)
    for probe in PROBES:
        ids = hf.encode(probe, add_special_tokens=False)
        if special & set(ids) or hf.decode(ids) != probe:
            raise SystemExit(f"{checkpoint.name}: {probe!r} does not round-trip: {ids}")
    print(f"{checkpoint.name}: vocabulary ({len(tokens)} tokens), end id and "
          f"{len(PROBES)} probes match the GGUF")


def add_pair(home: Path, name: str, target: Path, draft: Path, tw: str, dw: str) -> None:
    env = {**os.environ, "TANDEM_HOME": str(home)}
    subprocess.run([sys.executable, "-m", "app", "models", "add", "--target", str(target),
                    "--draft", str(draft), "--name", name, "--target-weights", tw,
                    "--draft-weights", dw], check=True, env=env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gguf-dir", type=Path, default=None,
                        help="the fetched GGUF files (default: real_models' cache)")
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--pairs", default=",".join(p[0] for p in PAIRS),
                        help="comma-separated pair names to convert")
    parser.add_argument("--skip-check", action="store_true")
    args = parser.parse_args(argv)
    if args.gguf_dir is None:
        from app.devtools.real_weights import default_cache

        args.gguf_dir = default_cache()
    target = dequantize(args.gguf_dir / TARGET_GGUF, args.cache / "hf" / "qwen2.5-coder-1.5b")
    draft = dequantize(args.gguf_dir / DRAFT_GGUF, args.cache / "hf" / "qwen2.5-coder-0.5b")
    if not args.skip_check:
        check_tokenizer(target, args.gguf_dir / TARGET_GGUF)
        check_tokenizer(draft, args.gguf_dir / DRAFT_GGUF)
    wanted = set(args.pairs.split(","))
    for name, tw, dw in PAIRS:
        if name in wanted:
            add_pair(args.cache / "home", name, target, draft, tw, dw)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
