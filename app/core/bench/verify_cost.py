"""Measure v(n): how much more a target forward on n tokens costs than one on 1 token.

Uses the raw OpenVINO runtime on the exported stateful model: prefill a context once,
snapshot its KV cache, then time forwards of n new tokens from that same point, restoring
the snapshot after each (the cache is `request.query_state()`, one tensor per layer).
Interleaved repeats (so drift hits every n alike), keeping the fastest of each.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.core.bench.bound import VerifyCost


class _StatefulTarget:
    def __init__(self, folder: Path, device: str) -> None:
        import openvino as ov

        core = ov.Core()
        model = core.read_model(str(folder / "openvino_model.xml"))
        self._ov = ov
        self._names = {port.get_any_name() for port in model.inputs}
        self._request = core.compile_model(model, device).create_infer_request()
        self._length = 0

    def _feed(self, ids: Sequence[int]) -> None:
        n = len(ids)
        inputs: dict[str, Any] = {
            "input_ids": np.array([ids], dtype=np.int64),
            "attention_mask": np.ones((1, self._length + n), dtype=np.int64),
        }
        if "position_ids" in self._names:
            inputs["position_ids"] = np.arange(self._length, self._length + n,
                                               dtype=np.int64)[None, :]
        if "beam_idx" in self._names:
            inputs["beam_idx"] = np.zeros((1,), dtype=np.int32)
        # Shared buffers keep Python-side copies out of the timing.
        self._request.infer(inputs, share_inputs=True, share_outputs=True)
        self._length += n

    def prefill(self, ids: Sequence[int]) -> None:
        self._request.reset_state()
        self._length = 0
        self._feed(ids)

    def snapshot(self) -> tuple[int, list[np.ndarray]]:
        return self._length, [s.state.data.copy() for s in self._request.query_state()]

    def restore(self, saved: tuple[int, list[np.ndarray]]) -> None:
        self._length = saved[0]
        for state, data in zip(self._request.query_state(), saved[1], strict=True):
            state.state = self._ov.Tensor(data.copy())

    def time_forward(self, ids: Sequence[int]) -> float:
        started = time.perf_counter()
        self._feed(ids)
        return (time.perf_counter() - started) * 1000


def measure_verify_cost(target: Path, n_values: Sequence[int] = (1, 2, 3, 4, 5, 6, 7, 9),
                        context_tokens: int = 48, repeats: int = 9, device: str = "CPU",
                        token_id: int = 5) -> VerifyCost:
    """v(n) for each n in n_values, from the model in `target` on `device`."""
    if 1 not in n_values:
        n_values = (1, *n_values)
    model = _StatefulTarget(target, device)
    # Token ids are arbitrary: cost does not depend on which tokens are fed.
    model.prefill([token_id] * context_tokens)
    saved = model.snapshot()
    times: dict[int, list[float]] = {n: [] for n in n_values}
    for n in n_values:  # warm-up: first inference at each shape compiles kernels
        model.time_forward([token_id] * n)
        model.restore(saved)
    for _ in range(repeats):
        for n in n_values:
            times[n].append(model.time_forward([token_id] * n))
            model.restore(saved)
    # The fastest of the repeats: on a shared machine other work only ever adds time, so
    # the minimum is the least disturbed estimate of what a forward costs.
    best = {n: min(t) for n, t in times.items()}
    one = best[1]
    return VerifyCost({n: m / one for n, m in best.items() if n != 1}, single_token_ms=one)
