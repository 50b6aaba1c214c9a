"""Where tuned choices live: one JSON file in the user data dir, keyed by pair and devices.

Written atomically (temp file, then rename); a corrupt file is set aside, not lost.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from app import paths


def tuning_file() -> Path:
    return paths.data_dir() / "tuning.json"


def key(pair_id: str, device: str, draft_device: str) -> str:
    return f"{pair_id}|{device}|{draft_device}"


def _read() -> dict[str, Any]:
    path = tuning_file()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        path.replace(path.with_suffix(".corrupt.json"))
        return {}
    return data if isinstance(data, dict) else {}


def load_choice(pair_id: str, device: str, draft_device: str) -> dict[str, Any] | None:
    found = _read().get(key(pair_id, device, draft_device))
    return found if isinstance(found, dict) else None


def save_choice(choice: dict[str, Any]) -> Path:
    data = _read()
    data[key(choice["pair_id"], choice["device"], choice["draft_device"])] = choice
    path = tuning_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tuning-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2)
    Path(temp).replace(path)
    return path
