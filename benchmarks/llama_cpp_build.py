"""Build llama.cpp from the sources that the `llama-cpp-python` sdist vendors.

Everything goes to a cache folder outside the repository (default: the user cache's
`tandem/llama-cpp`, or the environment variable TANDEM_LLAMA_CPP): the sdist, its
unpacked tree, and the CMake build. Nothing of llama.cpp is ever committed.

    pip download --no-deps --no-binary :all: llama-cpp-python   (the sdist, once)
    cmake -S vendor/llama.cpp -B build -DCMAKE_BUILD_TYPE=Release ...
    cmake --build build -j 2 --target llama-bench llama-server llama-speculative-simple
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir

CACHE_ENV = "TANDEM_LLAMA_CPP"
TARGETS = ("llama-bench", "llama-server", "llama-speculative-simple")
# No network during the build (the web UI is not fetched), no TLS, no tests.
CMAKE_FLAGS = ("-DCMAKE_BUILD_TYPE=Release", "-DLLAMA_BUILD_TESTS=OFF",
               "-DLLAMA_USE_PREBUILT_UI=OFF", "-DLLAMA_OPENSSL=OFF")


class BuildError(RuntimeError):
    pass


@dataclass(frozen=True)
class LlamaCpp:
    sdist_version: str  # llama-cpp-python's version
    commit: str  # the llama.cpp commit it vendors (from its CHANGELOG)
    source: Path
    build: Path

    def binary(self, name: str) -> Path:
        path = self.build / "bin" / name
        if not path.exists():
            raise BuildError(f"{path} is missing: run `python -m benchmarks.llama_cpp_peer "
                             f"build` first.")
        return path

    def describe(self) -> str:
        return (f"llama.cpp {self.commit} (vendored by llama-cpp-python {self.sdist_version}"
                f" sdist), Release, CPU backend")


def default_cache() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path(user_cache_dir("tandem", appauthor=False)) / "llama-cpp"


def vendored_commit(changelog: str) -> str:
    """The newest `update llama.cpp to ggml-org/llama.cpp@<sha>` line of the CHANGELOG."""
    match = re.search(r"llama\.cpp@([0-9a-f]{7,40})", changelog)
    return match.group(1) if match else "unknown"


def _sdist(cache: Path) -> Path:
    folder = cache / "sdist"
    found = sorted(folder.glob("llama_cpp_python-*.tar.gz"))
    if found:
        return found[-1]
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                    ":all:", "--dest", str(folder), "llama-cpp-python"], check=True)
    found = sorted(folder.glob("llama_cpp_python-*.tar.gz"))
    if not found:
        raise BuildError(f"pip download left no llama-cpp-python sdist in {folder}.")
    return found[-1]


def locate(cache: Path | None = None) -> LlamaCpp:
    """The unpacked tree and build folder (downloading and unpacking the sdist if needed)."""
    cache = cache or default_cache()
    archive = _sdist(cache)
    version = archive.name.removeprefix("llama_cpp_python-").removesuffix(".tar.gz")
    root = cache / f"llama_cpp_python-{version}"
    if not (root / "vendor" / "llama.cpp" / "CMakeLists.txt").exists():
        with tarfile.open(archive) as tar:
            tar.extractall(cache, filter="data")
    changelog = root / "CHANGELOG.md"
    commit = vendored_commit(changelog.read_text(encoding="utf-8")) \
        if changelog.exists() else "unknown"
    return LlamaCpp(version, commit, root / "vendor" / "llama.cpp", cache / "build")


def build(cache: Path | None = None, jobs: int = 2,
          targets: tuple[str, ...] = TARGETS) -> LlamaCpp:
    cmake = shutil.which("cmake")
    if cmake is None:
        raise BuildError("cmake is not installed (Debian/Ubuntu: apt-get install cmake "
                         "build-essential).")
    tree = locate(cache)
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run([cmake, "-S", str(tree.source), "-B", str(tree.build), *generator,
                    *CMAKE_FLAGS, f"-DLLAMA_BUILD_COMMIT={tree.commit}",
                    "-DLLAMA_BUILD_NUMBER=0"], check=True)
    subprocess.run([cmake, "--build", str(tree.build), "-j", str(jobs), "--target",
                    *targets], check=True)
    for name in targets:
        tree.binary(name)
    return tree
