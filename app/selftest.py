"""`tandem --self-test`: check an install end to end, offscreen, from source or the bundle.

Steps: build the main window, load the catalog, list the devices, load the demo pair with
its draft and check a short greedy answer per stored prompt against
`resources/demo/expected.json` (written by the demo builder). One line per step on stdout;
the first failure puts its reason on stderr and the exit code is 1. A step whose module
does not exist yet is skipped with a line saying so.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from app import paths

EXPECTED_FILE = "expected.json"
# The settings expected.json was written with (app.devtools.demo_expected): the target's
# plain greedy chat answer; greedy speculation must reproduce it token for token.
MAX_NEW_TOKENS = 48
DRAFT_TOKENS_PER_STEP = 3


class SelfTestSkip(Exception):
    """A step whose part of the app is not there yet."""


class SelfTestFailure(Exception):
    """A step that ran and found something wrong."""


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _seconds_since_process_start() -> float:
    import psutil

    return time.time() - psutil.Process().create_time()


def check_window() -> str:
    if not _module_exists("app.ui.main"):
        raise SelfTestSkip("app.ui.main is not part of this build yet")
    from PySide6 import QtWidgets
    from PySide6.QtWidgets import QApplication

    from app.ui.main import build_main_window

    if len(vars(QtWidgets)) < 150:  # lazy: two threads could make types at once
        raise SelfTestFailure("PySide6 was imported before app (its Qt types are lazy); "
                              "start Tandem through app/__main__.py")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    window = build_main_window(autoload=False)  # the generation step loads the pair
    window.show()
    app.processEvents()
    if not window.isVisible():
        raise SelfTestFailure("the main window did not become visible")
    shown_after = _seconds_since_process_start()
    title = window.windowTitle()
    window.close()
    app.processEvents()
    return f"{type(window).__name__} '{title}' shown {shown_after:.2f} s after process start"


def check_catalog() -> str:
    if not _module_exists("app.core.catalog"):
        raise SelfTestSkip("app.core.catalog is not part of this build yet")
    from app.core.catalog import load_catalog

    path = paths.catalog_file()
    catalog = load_catalog(path)
    # The shipped catalog is reviewed data: any problem in it is a packaging error.
    if catalog.problems:
        raise SelfTestFailure(f"{path}: " + "; ".join(str(p) for p in catalog.problems))
    if not catalog.pairs:
        raise SelfTestFailure(f"no pairs in {path}")
    return f"{len(catalog.pairs)} pairs from {path.name}"


def check_devices() -> str:
    from app.core.sysinfo import list_devices

    names = [device.name for device in list_devices()]
    if "CPU" not in names:
        raise SelfTestFailure(f"OpenVINO lists no CPU device (found: {names or 'none'})")
    return ", ".join(names)


def read_expected(demo_dir: Path) -> dict[str, str]:
    path = demo_dir / EXPECTED_FILE
    if not path.exists():
        raise SelfTestFailure(f"{path} is missing; write it with "
                              f"`python -m app.devtools.demo_expected {demo_dir}`")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data:
        raise SelfTestFailure(f"{path} holds no {{prompt: text}} pairs")
    return {str(k): str(v) for k, v in data.items()}


def check_generation() -> str:
    from app.core.engine import GenerationRequest, PairSpec, load_session

    demo = paths.demo_dir()
    expected = read_expected(demo)
    session = load_session(PairSpec(demo / "target", demo / "draft", name="Tandem demo pair"))
    try:
        accepted = 0
        for prompt, text in expected.items():
            result = session.generate(GenerationRequest.chat(
                prompt, max_new_tokens=MAX_NEW_TOKENS, num_assistant_tokens=DRAFT_TOKENS_PER_STEP))
            if result.text != text:
                raise SelfTestFailure(f"the demo pair answered {prompt!r} with "
                                      f"{result.text!r}, expected {text!r}")
            accepted += result.stats.accepted_tokens or 0
    finally:
        session.close()
    return f"{len(expected)} greedy answers match, {accepted} tokens came from the draft"


STEPS: tuple[tuple[str, Callable[[], str]], ...] = (
    ("window", check_window),
    ("catalog", check_catalog),
    ("devices", check_devices),
    ("generate", check_generation),
)


def _use_offscreen_without_display() -> None:
    # No display (CI, ssh): Qt's default platform would abort; offscreen still builds
    # every widget. With a display the real platform plugin is part of what is checked.
    if "QT_QPA_PLATFORM" in os.environ or not sys.platform.startswith("linux"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def run_steps(steps: Iterable[tuple[str, Callable[[], str]]]) -> int:
    started = time.monotonic()
    for name, step in steps:
        try:
            detail = step()
        except SelfTestSkip as skip:
            print(f"skip  {name:9} {skip}", flush=True)
            continue
        except Exception as exc:
            failure = isinstance(exc, SelfTestFailure)
            reason = str(exc) if failure else f"{type(exc).__name__}: {exc}"
            print(f"tandem self-test failed at '{name}': {reason}", file=sys.stderr, flush=True)
            return 1
        print(f"ok    {name:9} {detail}", flush=True)
    print(f"self-test passed in {time.monotonic() - started:.1f} s", flush=True)
    return 0


def run_self_test() -> int:
    _use_offscreen_without_display()
    # Never touch the user's conversations or settings.
    with tempfile.TemporaryDirectory(prefix="tandem-selftest-") as home:
        previous = os.environ.get("TANDEM_HOME")
        os.environ["TANDEM_HOME"] = home
        try:
            return run_steps(STEPS)
        finally:
            if previous is None:
                os.environ.pop("TANDEM_HOME", None)
            else:
                os.environ["TANDEM_HOME"] = previous
