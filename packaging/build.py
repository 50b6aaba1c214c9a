"""Build the Tandem bundle with PyInstaller in a clean virtual environment.

    python packaging/build.py              # onedir: dist/tandem/tandem[.exe]
    python packaging/build.py --onefile    # one executable: dist/onefile/tandem[.exe]
    python packaging/build.py --fresh      # recreate the build venv first

The venv (build/packaging-venv-<hash>) holds only the runtime dependencies and
PyInstaller, so nothing else installed on the machine (torch, transformers, ...) can leak
into the bundle. Versions come from requirements/lock.txt (the same constraints file that
dev.py installs from). The venv is reused while pyproject.toml, the lock file and this file
are unchanged; pip's own cache makes a re-creation cheap. Only the standard library is
used here.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
DIST = ROOT / "dist"
SPEC = ROOT / "packaging" / "tandem.spec"
LOCK = ROOT / "requirements" / "lock.txt"
PYINSTALLER = "pyinstaller==6.22.3"  # the same pin as the `packaging` extra


def venv_python(env: Path) -> Path:
    if os.name == "nt":
        return env / "Scripts" / "python.exe"
    return env / "bin" / "python"


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT)


def env_key() -> str:
    # The build venv depends on the runtime dependencies and on how this script installs.
    digest = hashlib.sha256()
    digest.update((ROOT / "pyproject.toml").read_bytes())
    digest.update(LOCK.read_bytes() if LOCK.exists() else b"")
    digest.update(PYINSTALLER.encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()[:12]


@contextlib.contextmanager
def build_lock(timeout: float = 1800) -> Iterator[None]:
    """One venv creation at a time (tests and people may build from the same tree)."""
    BUILD.mkdir(parents=True, exist_ok=True)
    lock = BUILD / "packaging-venv.lock"
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            if time.time() - lock.stat().st_mtime > timeout:  # left by a killed build
                lock.unlink(missing_ok=True)
            elif time.monotonic() > deadline:
                raise SystemExit(f"build.py: {lock} is held by another build") from None
            time.sleep(2)
    try:
        yield
    finally:
        os.close(fd)
        lock.unlink(missing_ok=True)


def ensure_build_env(fresh: bool) -> Path:
    with build_lock():
        return _ensure_build_env(fresh)


def _ensure_build_env(fresh: bool) -> Path:
    env = BUILD / f"packaging-venv-{env_key()}"
    python = venv_python(env)
    stamp = env / "tandem-build.stamp"
    if fresh and env.exists():
        shutil.rmtree(env)
    if python.exists() and stamp.exists():
        return python
    for stale in BUILD.glob("packaging-venv-*"):
        shutil.rmtree(stale, ignore_errors=True)
    print(f"creating the build environment {env}", flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(env)
    # Editable, so the metadata that `tandem --version` reads exists while the code is
    # always taken from this tree.
    constraints = ["-c", LOCK.relative_to(ROOT).as_posix()] if LOCK.exists() else []
    run(python, "-m", "pip", "install", "--disable-pip-version-check", *constraints, "-e", ".",
        PYINSTALLER)
    stamp.write_text(env_key())
    return python


def build(python: Path, onefile: bool, dist: Path, work: Path) -> Path:
    args: list[str | Path] = [python, "-m", "PyInstaller", "--noconfirm",
                              "--distpath", dist, "--workpath", work, SPEC]
    if onefile:
        args += ["--", "--onefile"]
    run(*args)
    exe = "tandem.exe" if os.name == "nt" else "tandem"
    return dist / exe if onefile else dist / "tandem" / exe


def folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Build the Tandem bundle with PyInstaller.")
    parser.add_argument("--onefile", action="store_true", help="one executable, not a folder")
    parser.add_argument("--fresh", action="store_true", help="recreate the build venv")
    parser.add_argument("--dist", type=Path,
                        help="output folder (default dist/, or dist/onefile with --onefile)")
    parser.add_argument("--work", type=Path, help="PyInstaller's work folder (under build/)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    python = ensure_build_env(args.fresh)
    work = args.work or BUILD / ("pyinstaller-onefile" if args.onefile else "pyinstaller")
    # The onefile executable would collide with the onedir folder of the same name.
    dist = args.dist or (DIST / "onefile" if args.onefile else DIST)
    exe = build(python, args.onefile, dist.resolve(), work.resolve())
    if not exe.exists():
        print(f"build.py: PyInstaller finished but {exe} is missing", file=sys.stderr)
        return 1
    size = folder_size(exe if args.onefile else exe.parent)
    print(f"built {exe} ({size / 1e6:.0f} MB) in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
