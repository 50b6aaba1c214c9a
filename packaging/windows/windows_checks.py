"""Windows behaviours of Tandem's own code, checked with the Windows Python under Wine.

Run by packaging/build_windows.py in its build prefix, before freezing. One line per check
on stdout; exit 1 on the first failure. What Wine cannot show is listed in
packaging/windows/README.md.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

CHECKS: list[tuple[str, Callable[[], str]]] = []


def check(name: str) -> Callable[[Callable[[], str]], Callable[[], str]]:
    def register(fn: Callable[[], str]) -> Callable[[], str]:
        CHECKS.append((name, fn))
        return fn
    return register


@check("user folders under %LOCALAPPDATA%")
def user_folders() -> str:
    os.environ.pop("TANDEM_HOME", None)
    from app import paths

    local = Path(os.environ["LOCALAPPDATA"]).resolve()
    folders = {"data": paths.data_dir(), "logs": paths.log_dir(),
               "cache": paths.model_cache_dir()}
    for name, folder in folders.items():
        if local not in folder.resolve().parents:
            raise AssertionError(f"the {name} folder {folder} is not under {local}")
    return ", ".join(f"{n}={f}" for n, f in folders.items())


@check("a save while a reader holds the file open (sharing violation) retries")
def sharing_violation() -> str:
    from app.core.atomic_file import atomic_write_json

    folder = Path(tempfile.mkdtemp())
    target = folder / "settings.json"
    target.write_text("{}", encoding="utf-8")
    # Without the retry: Windows (and Wine) refuse to replace a file another handle has
    # open without FILE_SHARE_DELETE, which is how Python opens files.
    spare = folder / "other.json"
    spare.write_text("[]", encoding="utf-8")
    with target.open("rb"):
        try:
            os.replace(spare, target)
        except PermissionError:
            pass
        else:
            return "not shown: this Wine lets a file open elsewhere be replaced"
    released = threading.Event()

    def hold() -> None:
        with target.open("rb"):
            released.wait(0.15)

    reader = threading.Thread(target=hold)
    reader.start()
    time.sleep(0.03)
    started = time.monotonic()
    atomic_write_json(target, {"saved": True})
    waited = time.monotonic() - started
    reader.join()
    if '"saved": true' not in target.read_text(encoding="utf-8"):
        raise AssertionError("the save did not land")
    return f"os.replace refused while open; the save landed after {waited * 1000:.0f} ms"


@check("fsync of a folder is skipped, not an error")
def folder_fsync() -> str:
    from app.core.atomic_file import fsync_dir

    fsync_dir(Path(tempfile.mkdtemp()))
    return ""


@check("API keys go to the Windows Credential Manager")
def credentials() -> str:
    import keyring

    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if "Windows" not in name and "WinVault" not in name:
        raise AssertionError(f"keyring's backend is {name}")
    keyring.set_password("tandem-windows-check", "user", "s3cret")
    try:
        got = keyring.get_password("tandem-windows-check", "user")
    finally:
        keyring.delete_password("tandem-windows-check", "user")
    if got != "s3cret":
        raise AssertionError(f"read back {got!r}")
    return name


def main() -> int:
    for name, fn in CHECKS:
        try:
            detail = fn()
        except Exception as error:  # report which check, and why
            print(f"windows check FAILED: {name}: {type(error).__name__}: {error}", flush=True)
            return 1
        print(f"windows check passed: {name}" + (f" ({detail})" if detail else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
