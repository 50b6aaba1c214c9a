"""GGUF files already on this computer: LM Studio's and Ollama's model folders.

- LM Studio keeps plain files: ~/.lmstudio/models/<publisher>/<repo>/<file>.gguf (older
  versions ~/.cache/lm-studio/models; a custom "downloadsFolder" in
  ~/.lmstudio/settings.json is honoured).
- Ollama keeps blobs by digest behind manifests: <models>/manifests/<registry>/<namespace>/
  <model>/<tag> is a JSON whose layer of mediaType application/vnd.ollama.image.model
  names the GGUF blob <models>/blobs/sha256-<hex>. <models> is $OLLAMA_MODELS, or
  ~/.ollama/models.

Only files that start with the GGUF magic are listed; vision projectors (mmproj) and the
second and later parts of split files are left out.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from app.core.store.gguf_file import is_gguf

OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model"
OLLAMA_REGISTRY = "registry.ollama.ai"
_PART = re.compile(r"-(\d+)-of-\d+\.gguf$", re.IGNORECASE)


@dataclass(frozen=True)
class LocalGguf:
    path: Path
    name: str  # as the app that holds it names it
    size: int
    source: str  # "lmstudio" or "ollama"


def _lmstudio_roots(home: Path) -> list[Path]:
    roots = [home / ".lmstudio" / "models", home / ".cache" / "lm-studio" / "models"]
    try:
        settings = json.loads((home / ".lmstudio" / "settings.json").read_text("utf-8"))
        custom = settings.get("downloadsFolder") if isinstance(settings, dict) else None
        if isinstance(custom, str) and custom:
            roots.insert(0, Path(custom).expanduser())
    except (OSError, ValueError):
        pass
    return roots


def _wanted(path: Path) -> bool:
    name = path.name.lower()
    part = _PART.search(name)
    return "mmproj" not in name and (part is None or int(part.group(1)) == 1)


def _lmstudio(home: Path) -> list[LocalGguf]:
    found = []
    for root in dict.fromkeys(_lmstudio_roots(home)):
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() == ".gguf" and path.is_file() and _wanted(path) \
                    and is_gguf(path):
                found.append(LocalGguf(path, path.relative_to(root).as_posix(),
                                       path.stat().st_size, "lmstudio"))
    return found


def _ollama_root(home: Path, env: dict[str, str]) -> Path:
    custom = env.get("OLLAMA_MODELS")
    return Path(custom).expanduser() if custom else home / ".ollama" / "models"


def _ollama_name(relative: Path) -> str:
    parts = list(relative.parts)
    if len(parts) < 2:
        return relative.as_posix()
    *where, model, tag = parts
    if where[:2] == [OLLAMA_REGISTRY, "library"]:
        where = []
    elif where[:1] == [OLLAMA_REGISTRY]:
        where = where[1:]
    return "/".join([*where, model]) + f":{tag}"


def _ollama(root: Path) -> list[LocalGguf]:
    manifests, blobs = root / "manifests", root / "blobs"
    if not manifests.is_dir():
        return []
    found = []
    for manifest in sorted(p for p in manifests.rglob("*") if p.is_file()):
        try:
            data = json.loads(manifest.read_text("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        layers = data.get("layers") if isinstance(data, dict) else None
        for layer in layers if isinstance(layers, list) else []:
            if not isinstance(layer, dict) or layer.get("mediaType") != OLLAMA_MODEL_LAYER:
                continue
            digest = str(layer.get("digest", ""))
            blob = blobs / digest.replace(":", "-")
            if re.fullmatch(r"sha256:[0-9a-f]{64}", digest) and blob.is_file() \
                    and is_gguf(blob):
                found.append(LocalGguf(blob, _ollama_name(manifest.relative_to(manifests)),
                                       blob.stat().st_size, "ollama"))
    return found


def find_local_ggufs(home: Path | None = None) -> list[LocalGguf]:
    """GGUF models in the usual LM Studio and Ollama folders under `home` (default: the
    user's home), LM Studio's first, each sorted by name."""
    home = home or Path.home()
    env = dict(os.environ)
    found = _lmstudio(home) + _ollama(_ollama_root(home, env))
    seen: set[Path] = set()
    unique = []
    for item in found:
        if item.path not in seen:
            seen.add(item.path)
            unique.append(item)
    return unique
