"""Set up a virtual environment and run Tandem or its tests, on Windows, macOS or Linux.

    python dev.py app [ARGS...]    # .venv with the runtime only, then `tandem ARGS`
    python dev.py test [PYTEST...] # .venv-test with every extra, then lint, types, tests

Each environment is created on first use and reinstalled only when pyproject.toml
changes. Only the standard library is used here, so this runs before anything is
installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# The CPU wheel; any other torch pulls a multi-GB CUDA build on Linux.
TORCH = "torch==2.13.0"


def venv_python(env: Path) -> Path:
    scripts = "Scripts" if os.name == "nt" else "bin"
    return env / scripts / ("python.exe" if os.name == "nt" else "python")


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT, env=env)


def call(cmd: list[str], env: dict[str, str]) -> int:
    print("+", " ".join(cmd), flush=True)
    return subprocess.call(cmd, cwd=ROOT, env=env)


def ensure_env(name: str, extras: str, with_torch: bool) -> Path:
    env = ROOT / name
    python = venv_python(env)
    stamp = env / "tandem-install.stamp"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    if not python.exists():
        print(f"creating {env}", flush=True)
        venv.EnvBuilder(with_pip=True).create(env)
    pip = (python, "-m", "pip", "install", "--disable-pip-version-check")
    run(*pip, "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    if with_torch:
        run(*pip, TORCH)
        run(*pip, "-e", target, TORCH)
        # optimum-intel requires torchvision, whose wheel does not load beside the CPU
        # torch; conversion works without it.
        run(python, "-m", "pip", "uninstall", "-y", "torchvision")
    else:
        run(*pip, "-e", target)
    stamp.write_text(digest)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"app", "test"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "app":
        python = ensure_env(".venv", "", with_torch=False)
        return subprocess.call([str(python), "-m", "app", *rest], cwd=ROOT)
    python = ensure_env(".venv-test", "convert,test", with_torch=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    lint_imports = python.parent / ("lint-imports.exe" if os.name == "nt" else "lint-imports")
    checks = {
        "ruff": [str(python), "-m", "ruff", "check", "app", "tests", "benchmarks", "dev.py"],
        "mypy": [str(python), "-m", "mypy"],
        "import-linter": [str(lint_imports)],
    }
    failed = [name for name, cmd in checks.items() if call(cmd, env) != 0]
    code = call([str(python), "-m", "pytest", *rest], env)
    if failed:
        print(f"dev.py: checks failed: {', '.join(failed)}", flush=True)
        return code or 1
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
