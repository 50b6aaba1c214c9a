"""Read a GGUF file's header: metadata, tensor table, and whether the file is complete.

Pure Python (no numpy, no `gguf` package), so the app itself, frozen or not, can inspect
the GGUF files people have (LM Studio, Ollama, llama.cpp) and say clearly when a file is
not a GGUF or was cut short. The format: magic "GGUF", a version, the tensor and
key-value counts, the key-values, the tensor infos, then the aligned tensor data.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.engine.errors import InvalidSettingsError

MAGIC = b"GGUF"
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
            10: "<Q", 11: "<q", 12: "<d"}
_STRING, _ARRAY = 8, 9
# ggml tensor types: (elements per block, bytes per block). Unknown types skip the
# completeness check rather than guessing.
GGML_BLOCKS: dict[int, tuple[int, int]] = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 36), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176),
    14: (256, 210), 15: (256, 292), 16: (256, 66), 17: (256, 74), 18: (256, 98),
    19: (256, 50), 20: (32, 18), 21: (256, 110), 22: (256, 82), 23: (256, 136), 24: (1, 1),
    25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8), 29: (256, 56), 30: (1, 2),
    34: (256, 54), 35: (256, 66), 39: (32, 17),
}
GGML_TYPE_NAMES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1",
                   8: "Q8_0", 10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K",
                   30: "BF16"}

# general.file_type (llama.cpp's LLAMA_FTYPE_MOSTLY_*): what the file is called by.
FILE_TYPES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1",
              10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S",
              15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 32: "BF16"}


class GgufError(InvalidSettingsError):
    """The file is not a GGUF, or not a complete one."""


@dataclass(frozen=True)
class GgufTensor:
    name: str
    shape: tuple[int, ...]
    type: int
    offset: int  # from the start of the data section

    @property
    def elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def nbytes(self) -> int | None:
        block = GGML_BLOCKS.get(self.type)
        if block is None:
            return None
        return self.elements // block[0] * block[1]


@dataclass(frozen=True)
class GgufInfo:
    path: Path
    version: int
    metadata: dict[str, Any]
    tensors: tuple[GgufTensor, ...] = field(repr=False)
    data_offset: int
    file_size: int

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", ""))

    @property
    def name(self) -> str:
        return str(self.metadata.get("general.name") or self.path.stem)

    @property
    def parameters(self) -> int:
        return sum(t.elements for t in self.tensors)

    @property
    def expected_size(self) -> int | None:
        """Where the last tensor ends, or None if a tensor type is unknown here."""
        ends = []
        for t in self.tensors:
            size = t.nbytes()
            if size is None:
                return None
            ends.append(t.offset + size)
        return self.data_offset + max(ends, default=0)

    @property
    def quantization(self) -> str:
        """The file's type ("Q4_K_M"), or else the type holding most weights."""
        named = FILE_TYPES.get(int(self.metadata.get("general.file_type", -1)))
        if named:
            return named
        weights: dict[str, int] = {}
        for t in self.tensors:
            if len(t.shape) > 1:
                name = GGML_TYPE_NAMES.get(t.type, str(t.type))
                weights[name] = weights.get(name, 0) + t.elements
        return max(weights, key=lambda k: weights[k]) if weights else "?"


class _Cursor:
    def __init__(self, buf: mmap.mmap | bytes, path: Path) -> None:
        self.buf, self.pos, self.path = buf, 0, path

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.buf):
            raise _truncated(self.path, "its header")
        out = self.buf[self.pos:end]
        self.pos = end
        return bytes(out)

    def scalar(self, fmt: str) -> Any:
        size = struct.calcsize(fmt)
        return struct.unpack(fmt, self.take(size))[0]

    def string(self) -> str:
        n = self.scalar("<Q")
        if n > 1 << 28:
            raise _corrupt(self.path, f"a string of {n} bytes")
        return self.take(n).decode("utf-8", errors="replace")

    def value(self, kind: int, keep: bool = True) -> Any:
        if kind in _SCALARS:
            return self.scalar(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item, count = self.scalar("<I"), self.scalar("<Q")
            if count > 1 << 32:
                raise _corrupt(self.path, f"an array of {count} items")
            if not keep and item in _SCALARS:
                self.take(struct.calcsize(_SCALARS[item]) * count)
                return count
            if item in _SCALARS and item != 7:
                fmt = _SCALARS[item]
                size = struct.calcsize(fmt)
                raw = self.take(size * count)
                return list(struct.unpack(f"<{count}{fmt[1]}", raw)) if keep else count
            values = [self.value(item) for _ in range(count)]
            return values if keep else count
        raise _corrupt(self.path, f"an unknown value type {kind}")


def _truncated(path: Path, where: str) -> GgufError:
    return GgufError(f"{path.name} is a truncated GGUF file: it ends inside {where}.",
                     "The download or copy was cut short. Fetch the file again, then "
                     "add it again.")


def _corrupt(path: Path, what: str) -> GgufError:
    return GgufError(f"{path.name} is not a valid GGUF file: its header holds {what}.",
                     "The file is damaged. Fetch it again, then add it again.")


def check_importable(info: GgufInfo) -> None:
    """Refuse GGUFs that are not one whole language model: split parts, projectors."""
    parts = int(info.metadata.get("split.count", 1) or 1)
    if parts > 1:
        raise GgufError(f"{info.path.name} is one part of a GGUF split into {parts} files.",
                        "Merge the parts into one file first (llama.cpp: llama-gguf-split "
                        "--merge FIRST-PART OUT.gguf), then add that file.")
    if str(info.metadata.get("general.type", "model")) != "model" \
            or info.architecture == "clip":
        raise GgufError(f"{info.path.name} is not a language model (it is a "
                        f"{info.metadata.get('general.type') or info.architecture}, such as a "
                        "vision projector).",
                        "Give the GGUF of the language model itself.")


def is_gguf(path: Path) -> bool:
    """True when the file starts with the GGUF magic (cheap: reads 4 bytes)."""
    try:
        with path.open("rb") as f:
            return f.read(4) == MAGIC
    except OSError:
        return False


def read_gguf(path: Path, arrays: bool = True) -> GgufInfo:
    """Read `path`'s header. `arrays=False` skips array values (vocabularies): the
    metadata then holds their lengths, which is much faster for listing files."""
    path = Path(path)
    try:
        f = path.open("rb")
    except OSError as exc:
        raise GgufError(f"Cannot read {path}: {exc.strerror or exc}.",
                        "Check the path and its permissions.") from exc
    with f:
        size = path.stat().st_size
        if f.read(4) != MAGIC:
            raise GgufError(f"{path.name} is not a GGUF file (it does not start with "
                            "the GGUF magic bytes).",
                            "Give a .gguf model file (as LM Studio, Ollama or llama.cpp "
                            "use), an OpenVINO IR folder, or a Hugging Face checkpoint.")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
            return _parse(_Cursor(buf, path), path, size, arrays)


def _parse(cur: _Cursor, path: Path, size: int, arrays: bool) -> GgufInfo:
    cur.take(4)
    version = cur.scalar("<I")
    if version not in (2, 3):
        raise GgufError(f"{path.name} is GGUF version {version}, which Tandem cannot read "
                        "(it reads versions 2 and 3).",
                        "Convert it again with a recent llama.cpp.")
    n_tensors, n_kv = cur.scalar("<Q"), cur.scalar("<Q")
    if n_tensors > 1 << 24 or n_kv > 1 << 24:
        raise _corrupt(path, f"{n_tensors} tensors and {n_kv} keys")
    metadata: dict[str, Any] = {}
    for _ in range(n_kv):
        key = cur.string()
        metadata[key] = cur.value(cur.scalar("<I"), keep=arrays)
    tensors = []
    for _ in range(n_tensors):
        name = cur.string()
        dims = cur.scalar("<I")
        if dims > 8:
            raise _corrupt(path, f"a tensor with {dims} dimensions")
        shape = tuple(cur.scalar("<Q") for _ in range(dims))
        tensors.append(GgufTensor(name, shape, cur.scalar("<I"), cur.scalar("<Q")))
    align = int(metadata.get("general.alignment", 32)) or 32
    data_offset = (cur.pos + align - 1) // align * align
    info = GgufInfo(path, version, metadata, tuple(tensors), data_offset, size)
    expected = info.expected_size
    if expected is not None and expected > size:
        raise GgufError(
            f"{path.name} is a truncated GGUF file: it has {size:,} bytes but its "
            f"tensors need {expected:,}.",
            "The download or copy was cut short. Fetch the file again, then add it again.")
    return info
