"""Set up a virtual environment and run Tandem or its tests, on Windows, macOS or Linux.

    python dev.py app [ARGS...]    # .venv with the runtime only, then `tandem ARGS`
    python dev.py test [PYTEST...] # .venv-test with every extra, then lint, types, tests
    python dev.py lock             # re-resolve every dependency into requirements/lock.txt

Each environment is created on first use and reinstalled only when pyproject.toml, the
lock file, the Python version or the pinned torch changes. Installs take their versions
from requirements/lock.txt (a pip constraints file), so two installs a week apart get the
same packages; `lock` refreshes it from a clean resolve. Only the standard library is used
here, so this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# The CPU build: on Linux outside this project's machines, point pip at PyTorch's CPU
# wheel index (PIP_EXTRA_INDEX_URL) or any torch from PyPI brings multi-GB CUDA libraries.
TORCH = "torch==2.13.0"
MIN_PYTHON = (3, 11)
LOCK = ROOT / "requirements" / "lock.txt"
LOCK_EXTRAS = "convert,test,packaging"


def venv_python(env: Path) -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return env / scripts / ("python.exe" if os.name == "nt" else "python")


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT)


def call(cmd: list[str], env: dict[str, str] | None = None) -> int:
    """Run a child in the foreground. Ctrl+C reaches it too, so wait for it to stop itself
    (Tandem keeps the partial answer) instead of killing it."""
    print("+", " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue


def _create(env: Path) -> None:
    # Build beside the final place and rename when pip works: an interrupted or failed
    # creation (no python3-venv on Debian/Ubuntu, say) never leaves a broken .venv behind.
    staging = env.with_name(env.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        venv.EnvBuilder(with_pip=True).create(staging)
    except (subprocess.CalledProcessError, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise SystemExit(
            f"dev.py: could not create a virtual environment ({exc}).\n"
            "  On Debian or Ubuntu install the venv module first: "
            "sudo apt install python3-venv") from exc
    shutil.rmtree(env, ignore_errors=True)
    staging.rename(env)


def ensure_env(name: str, extras: str, with_torch: bool) -> Path:
    env = ROOT / name
    python = venv_python(env)
    stamp = env / "tandem-install.stamp"
    made_by = env / "tandem-python.txt"
    lock = LOCK.read_bytes() if LOCK.exists() else b""
    digest = hashlib.sha256(b"|".join([
        (ROOT / "pyproject.toml").read_bytes(), extras.encode(), TORCH.encode(), lock])).hexdigest()
    same_python = made_by.exists() and made_by.read_text() == sys.version
    if python.exists() and same_python and stamp.exists() and stamp.read_text() == digest:
        return python
    if not python.exists() or not same_python:
        print(f"creating {env}", flush=True)
        _create(env)
        made_by.write_text(sys.version)
    install(python, extras, with_torch, constrained=LOCK.exists())
    stamp.write_text(digest)
    return python


def install(python: Path, extras: str, with_torch: bool, constrained: bool) -> None:
    pip: tuple[str | Path, ...] = (python, "-m", "pip", "install", "--disable-pip-version-check")
    run(*pip, "--upgrade", "pip")
    if constrained:
        pip = (*pip, "-c", LOCK.relative_to(ROOT).as_posix())
    target = f".[{extras}]" if extras else "."
    if with_torch:
        run(*pip, TORCH)
        run(*pip, "-e", target, TORCH)
        # optimum-intel requires torchvision, whose wheel does not load beside the CPU
        # torch; conversion works without it.
        run(python, "-m", "pip", "uninstall", "-y", "torchvision")
    else:
        run(*pip, "-e", target)


def lock() -> int:
    """Resolve every extra afresh in a scratch venv and pin what pip chose."""
    env = ROOT / ".venv-lock"
    shutil.rmtree(env, ignore_errors=True)
    _create(env)
    python = venv_python(env)
    install(python, LOCK_EXTRAS, with_torch=True, constrained=False)
    frozen = subprocess.run([str(python), "-m", "pip", "freeze", "--exclude-editable"],
                            check=True, capture_output=True, text=True, cwd=ROOT).stdout
    pins = sorted((line.split("+")[0] if line.lower().startswith("torch==") else line)
                  for line in frozen.splitlines() if "==" in line)
    LOCK.parent.mkdir(exist_ok=True)
    LOCK.write_text(
        "# Every dependency of Tandem and its extras, as resolved by `python dev.py lock`\n"
        f"# (Python {sys.version_info.major}.{sys.version_info.minor}). A pip constraints file:"
        " dev.py and packaging/build.py install with -c,\n"
        "# so it pins versions without installing anything by itself.\n"
        + "\n".join(pins) + "\n", encoding="utf-8")
    shutil.rmtree(env, ignore_errors=True)
    print(f"wrote {LOCK.relative_to(ROOT)} ({len(pins)} packages)")
    return 0


def test(rest: list[str]) -> int:
    python = ensure_env(".venv-test", "convert,test", with_torch=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONUTF8": "1"}
    lint_imports = python.parent / ("lint-imports.exe" if os.name == "nt" else "lint-imports")
    checks = {
        "ruff": [str(python), "-m", "ruff", "check", "app", "tests", "benchmarks", "packaging",
                 "dev.py"],
        "mypy": [str(python), "-m", "mypy"],
        "import-linter": [str(lint_imports)],
    }
    failed = [name for name, cmd in checks.items() if call(cmd, env) != 0]
    code = call([str(python), "-m", "pytest", *rest], env)
    if failed:
        print(f"dev.py: checks failed: {', '.join(failed)}", flush=True)
        return code or 1
    return code


def main(argv: list[str]) -> int:
    if sys.version_info < MIN_PYTHON:
        print(f"dev.py: Tandem needs Python {'.'.join(map(str, MIN_PYTHON))} or newer; this is "
              f"{sys.version.split()[0]}. Run it with a newer python (e.g. python3.11).")
        return 2
    if not argv or argv[0] not in {"app", "test", "lock"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "lock":
        return lock()
    if command == "app":
        python = ensure_env(".venv", "", with_torch=False)
        return call([str(python), "-m", "app", *rest])
    return test(rest)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
