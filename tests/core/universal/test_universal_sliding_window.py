"""Masked rollback stays exact on a sliding-window target (issue 13, item 2).

The exported model counts its window in cache slots, masked ones included. The target here
is the demo target's checkpoint relabelled as Mistral with a 16-token window and exported
with the project's own conversion (OpenVINO honours Mistral's window: its logits differ
from the full-attention export from position 16 on)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from app.core.engine.model_folder import runtime_properties
from app.core.engine.universal.runner import StatefulModel
from app.core.engine.universal.vocab import TokenBytes
from tests.conftest import ROOT

WINDOW = 16
ATOL = 2e-2  # as in test_universal_trim: same tokens, slightly different sums
pytestmark = pytest.mark.slow


def _model(folder: Path) -> StatefulModel:
    return StatefulModel(folder, "CPU", runtime_properties(folder))  # f32, as sessions run


@pytest.fixture(scope="session")
def window_target(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("sliding")
    hf = base / "hf"
    shutil.copytree(demo_dir / "hf" / "target", hf)
    config = json.loads((hf / "config.json").read_text())
    config.update(architectures=["MistralForCausalLM"], model_type="mistral",
                  sliding_window=WINDOW)
    (hf / "config.json").write_text(json.dumps(config))
    out = base / "ov"
    done = subprocess.run(
        [sys.executable, "-m", "app.core.store.convert_export", "--src", str(hf),
         "--dst", str(out), "--weight-format", "fp32"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]
    shutil.copy2(demo_dir / "target" / "tandem-runtime.json", out)
    return out


def test_the_export_really_has_a_window(window_target: Path, demo_dir: Path) -> None:
    ids = list(TokenBytes(demo_dir / "target").encode(
        "In the morning, the cat sat on the mat and looked at the birds outside."))
    assert len(ids) > WINDOW + 4
    windowed = _model(window_target).forward(ids)
    full = _model(demo_dir / "target").forward(ids)
    assert _model(window_target).sliding_window == WINDOW
    assert np.allclose(windowed[:WINDOW], full[:WINDOW], atol=ATOL)
    assert not np.allclose(windowed[WINDOW + 2:], full[WINDOW + 2:], atol=0.1)


def test_masked_slots_never_sit_inside_the_window(window_target: Path, demo_dir: Path) -> None:
    ids = list(TokenBytes(demo_dir / "target").encode(
        "In the morning, the cat sat on the mat and looked at the birds outside the window."))
    fresh = _model(window_target).forward(ids)
    model = _model(window_target)
    model.forward(ids[:10])
    model.forward([5, 6, 7, 8])
    model.trim(10)  # four masked slots, still within the window: kept masked
    assert model.dead == 4
    model.forward(ids[10:12])
    model.forward([9, 9, 9])
    model.trim(12)
    rest = model.forward(ids[12:])  # passes the window: compacted first
    assert model.dead == 0
    assert np.allclose(rest, fresh[12:], atol=ATOL)


def test_universal_greedy_equals_plain_beyond_the_window(window_target: Path,
                                                         demo_dir: Path) -> None:
    plain = load_session(PairSpec(window_target))
    universal = load_session(PairSpec(window_target, demo_dir / "draft-othertok",
                                      mode=Mode.UNIVERSAL))
    fresh_model = _model(window_target)
    seen: list[tuple[int, list[int], np.ndarray]] = []
    forward = universal.target.forward

    def recording(ids, rows=None):  # type: ignore[no-untyped-def]
        at = universal.target.length
        logits = forward(ids, rows)
        skip = len(ids) - len(logits)  # rows asked for: the last positions only
        seen.append((at + skip, list(ids)[skip:], logits))
        return logits

    universal.target.forward = recording  # type: ignore[method-assign]
    checked = 0
    for prompt in ("Tell me about speculative decoding.", "Tell me about OpenVINO."):
        for k in (3, 8):
            seen.clear()
            request = GenerationRequest.chat(prompt, max_new_tokens=60, num_assistant_tokens=k)
            expected = plain.generate(GenerationRequest.chat(prompt, max_new_tokens=60))
            result = universal.generate(request)
            assert result.token_ids == expected.token_ids
            assert result.stats.rejected_tokens > 0
            prompt_ids = universal.target_vocab.encode_prompt(
                universal._prompt_text(request)[0], False)
            sequence = prompt_ids + list(result.token_ids)
            assert len(sequence) > 2 * WINDOW
            # Every logit row the loop verified with must be plain decoding's own.
            fresh = fresh_model.forward(sequence)
            fresh_model.reset()
            for at, ids, logits in seen:
                for i in range(len(ids)):
                    if sequence[at:at + i + 1] != ids[:i + 1]:
                        break
                    assert np.allclose(logits[i], fresh[at + i], atol=ATOL), (at, i)
                    checked += at + i >= WINDOW
    assert checked > 40  # positions beyond the window were compared
    universal.close()
    plain.close()
