"""`tandem --self-test` from the source tree: passes on a good install, names what broke."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from app import selftest
from tests.conftest import DEMO, ROOT


def _demo_copy(tmp_path, expected):
    # A demo folder whose models are the real ones and whose expectations we control.
    demo = tmp_path / "demo"
    demo.mkdir()
    for name in ("target", "draft"):
        shutil.copytree(DEMO / name, demo / name)
    if expected is not None:
        (demo / selftest.EXPECTED_FILE).write_text(json.dumps(expected), encoding="utf-8")
    return demo


@pytest.mark.slow
def test_self_test_passes_from_the_source_tree(tandem_home):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "app", "--self-test"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "self-test passed" in done.stdout
    for step in ("window", "catalog", "devices", "generate"):
        assert f"ok    {step}" in done.stdout, done.stdout
    # It works in a private data dir: the user's (here the test's) is left alone.
    assert list(tandem_home.iterdir()) == []


def test_generation_matches_every_stored_answer(capsys):
    assert selftest.run_steps([("generate", selftest.check_generation)]) == 0
    stored = json.loads((DEMO / selftest.EXPECTED_FILE).read_text(encoding="utf-8"))
    assert f"{len(stored)} greedy answers match" in capsys.readouterr().out


def test_a_wrong_answer_fails_with_the_prompt_on_stderr(tmp_path, monkeypatch, capsys):
    demo = _demo_copy(tmp_path, {"Hello!": "a text the demo pair never writes"})
    monkeypatch.setattr(selftest.paths, "demo_dir", lambda: demo)
    assert selftest.run_steps([("generate", selftest.check_generation)]) == 1
    captured = capsys.readouterr()
    assert "failed at 'generate'" in captured.err
    assert "'Hello!'" in captured.err
    assert "self-test passed" not in captured.out


def test_missing_expectations_fail_and_say_how_to_write_them(tmp_path, monkeypatch, capsys):
    demo = _demo_copy(tmp_path, None)
    monkeypatch.setattr(selftest.paths, "demo_dir", lambda: demo)
    assert selftest.run_steps([("generate", selftest.check_generation)]) == 1
    err = capsys.readouterr().err
    assert "expected.json is missing" in err
    assert "app.devtools.demo_expected" in err


def test_a_broken_catalog_fails(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "models.toml"
    broken.write_text("[[pair]]\nid = \n", encoding="utf-8")
    monkeypatch.setattr(selftest.paths, "catalog_file", lambda: broken)
    assert selftest.run_steps([("catalog", selftest.check_catalog)]) == 1
    assert "failed at 'catalog'" in capsys.readouterr().err


def test_a_crashing_step_stops_the_run_with_its_exception(capsys):
    ran = []

    def crash() -> str:
        raise RuntimeError("plugin missing")

    def later() -> str:
        ran.append(True)
        return "fine"

    assert selftest.run_steps([("devices", crash), ("generate", later)]) == 1
    assert "RuntimeError: plugin missing" in capsys.readouterr().err
    assert ran == []


def test_a_missing_part_is_skipped_with_a_line(monkeypatch, capsys):
    monkeypatch.setattr(selftest, "_module_exists", lambda name: False)
    assert selftest.run_steps([("window", selftest.check_window),
                               ("catalog", selftest.check_catalog)]) == 0
    out = capsys.readouterr().out
    assert "skip  window    app.ui.main" in out
    assert "skip  catalog   app.core.catalog" in out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland only")
def test_offscreen_is_chosen_only_without_a_display(monkeypatch):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    selftest._use_offscreen_without_display()
    assert "QT_QPA_PLATFORM" not in os.environ
    monkeypatch.delenv("DISPLAY")
    selftest._use_offscreen_without_display()
    assert os.environ["QT_QPA_PLATFORM"] == "offscreen"


def test_the_self_test_restores_the_data_dir(monkeypatch, tandem_home):
    seen = []
    monkeypatch.setattr(selftest, "STEPS",
                        (("probe", lambda: seen.append(os.environ["TANDEM_HOME"]) or "ok"),))
    assert selftest.run_self_test() == 0
    assert seen and seen[0] != str(tandem_home)
    assert os.environ["TANDEM_HOME"] == str(tandem_home)
