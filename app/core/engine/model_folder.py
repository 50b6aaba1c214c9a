"""What an OpenVINO model folder must hold, and cheap checks that it really does."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.core.engine.errors import IncompleteModelError

REQUIRED_FILES = (
    "openvino_model.xml", "openvino_model.bin",
    "openvino_tokenizer.xml", "openvino_tokenizer.bin",
    "openvino_detokenizer.xml", "openvino_detokenizer.bin",
)
_CONST = re.compile(rb'offset="(\d+)"\s+size="(\d+)"')
_CONTEXT_KEYS = ("max_position_embeddings", "n_positions", "max_sequence_length",
                 "seq_length", "n_ctx")


def check_model_folder(folder: Path, role: str = "model") -> None:
    """Raise IncompleteModelError unless `folder` holds a loadable OpenVINO LLM."""
    if not folder.is_dir():
        raise IncompleteModelError(
            f"The {role} folder {folder} does not exist.",
            "Check the path, or pull the pair again with `tandem models pull`.")
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise IncompleteModelError(
            f"The {role} folder {folder} is missing {', '.join(missing)}.",
            "Convert the model again (`tandem models add`) or copy the missing files in.")
    for stem in ("openvino_model", "openvino_tokenizer", "openvino_detokenizer"):
        _check_weights_length(folder, stem, role)


def _check_weights_length(folder: Path, stem: str, role: str) -> None:
    # Every constant in the IR names its byte range in the .bin: a shorter file is truncated.
    xml = (folder / f"{stem}.xml").read_bytes()
    needed = max((int(o) + int(s) for o, s in _CONST.findall(xml)), default=0)
    have = (folder / f"{stem}.bin").stat().st_size
    if have < needed:
        raise IncompleteModelError(
            f"The {role} file {folder / (stem + '.bin')} is truncated "
            f"({have:,} of {needed:,} bytes).",
            "The download or conversion was interrupted: pull or convert the model again.")


def context_length(folder: Path) -> int | None:
    """The model's maximum sequence length from config.json, when it says."""
    config = folder / "config.json"
    if not config.is_file():
        return None
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for key in _CONTEXT_KEYS:
        value = data.get(key)
        if isinstance(value, int) and value > 0:
            return value
    return None


def sliding_window(folder: Path) -> int | None:
    """The attention window from config.json (Mistral, Phi-3, Gemma-2...), when the model
    uses one; None for full attention (Qwen2 lists a window it does not use)."""
    try:
        data = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    text = data.get("text_config")
    if isinstance(text, dict) and "sliding_window" in text:
        data = text
    if data.get("use_sliding_window") is False:
        return None
    value = data.get("sliding_window")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 \
        else None


def weights_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.bin") if p.is_file())


def stop_token_ids(folder: Path) -> set[int]:
    """End-of-turn ids from generation_config.json (or config.json); many chat models list
    several (Llama 3.x, Qwen2.5, Phi-3), and every one of them must end the answer."""
    for name in ("generation_config.json", "config.json"):
        try:
            value = json.loads((folder / name).read_text(encoding="utf-8")).get("eos_token_id")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(value, int):
            return {value}
        if isinstance(value, list):
            return {int(v) for v in value if isinstance(v, int)}
    return set()


RUNTIME_FILE = "tandem-runtime.json"


def runtime_properties(folder: Path) -> dict[str, str]:
    """OpenVINO properties a model folder asks for (e.g. f32 inference for the demo pair,
    whose reference answers were recorded in f32: CPUs with bf16 units default to bf16)."""
    path = folder / RUNTIME_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
