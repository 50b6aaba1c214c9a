"""Import one GGUF file as a store side: check it, convert it, verify its tokenizer.

The conversion subprocess (`convert_gguf`) picks a tokenizer that matches the GGUF; the
check is repeated here, on the installed IR, before anything is installed, so a wrong
tokenizer never reaches a pair whatever produced it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.core.store import gguf_tokenizer
from app.core.store.convert import run_conversion
from app.core.store.events import CancelToken, ConversionError, Progress, ProgressSink
from app.core.store.gguf_file import check_importable, read_gguf

INFO_FILE = "tandem-gguf.json"


def convert(src: Path, work: Path, weights: str, sink: ProgressSink, cancel: CancelToken,
            role: str = "", label: str = "") -> dict[str, Any]:
    """Convert the GGUF `src` into `work`; return what the manifest records about it."""
    info = read_gguf(src)  # GgufError: not a GGUF, or truncated
    check_importable(info)
    run_conversion(src, work, weights, sink, cancel, role, label or src.name)
    sink(Progress("verify", role, f"checking {label or src.name}'s tokenizer against the "
                                  "GGUF"))
    problems = gguf_tokenizer.check(info, work)
    if problems:
        raise ConversionError(
            f"The tokenizer converted from {label or src.name} does not match the GGUF's "
            f"own: {'; '.join(problems[:3])}.",
            "Nothing was installed. This GGUF's tokenizer is not supported yet; try "
            "another file of the same model or its Hugging Face checkpoint.")
    try:
        done = json.loads((work / INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        done = {}
    return {"gguf": {"file": src.name, "architecture": info.architecture,
                     "quantization": info.quantization,
                     "tokenizer": done.get("tokenizer", "?"),
                     "end_ids": done.get("end_ids", [])}}
