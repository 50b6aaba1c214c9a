"""The demo pair is reproducible: rebuilding it from its seed gives the committed answers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import DEMO, ROOT


@pytest.mark.slow
@pytest.mark.convert
@pytest.mark.timeout(1800)
def test_rebuild_reproduces_the_committed_answers(tmp_path):
    out = tmp_path / "demo"
    # A subprocess, as a user would run it; torch and optimum stay out of the test process.
    done = subprocess.run(
        [sys.executable, "-m", "app.devtools.build_demo_pair", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stderr[-3000:]
    rebuilt = json.loads((out / "expected.json").read_text(encoding="utf-8"))
    committed = json.loads((DEMO / "expected.json").read_text(encoding="utf-8"))
    info = json.loads((out / "build-info.json").read_text(encoding="utf-8"))
    committed_info = json.loads((DEMO / "build-info.json").read_text(encoding="utf-8"))
    same_machine_kind = all(info[k] == committed_info.get(k) for k in ("cpu_capability", "torch"))
    if same_machine_kind:
        assert rebuilt == committed
    else:  # other float kernels train a slightly different model; it must still work
        assert set(rebuilt) == set(committed) and all(rebuilt.values())
    stats = json.loads((out / "demo-stats.json").read_text(encoding="utf-8"))
    assert stats["acceptance_rate"] >= 0.4  # the draft is accepted at a visible rate
    for name in ("target", "draft", "draft-othertok"):
        assert (out / name / "openvino_model.xml").is_file()
        assert (out / "hf" / name / "model.safetensors").is_file()


def test_committed_demo_answers_are_current(plain_session):
    # The committed IR and expected.json belong together (the self-test relies on it).
    from app.core.engine import GenerationRequest
    from app.devtools.demo_expected import MAX_NEW_TOKENS

    committed = json.loads((DEMO / "expected.json").read_text(encoding="utf-8"))
    for prompt, text in committed.items():
        result = plain_session.generate(
            GenerationRequest.chat(prompt, max_new_tokens=MAX_NEW_TOKENS))
        assert result.text == text
