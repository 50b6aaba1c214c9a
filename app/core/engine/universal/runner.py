"""One exported stateful LLM run with the raw OpenVINO runtime, its KV cache under our control.

GenAI hides the cache; a verification loop with a draft from another vocabulary needs to
feed any number of tokens, read the logits of every position, and roll rejected positions
back. The exported model keeps its KV cache in state variables shaped
[batch, kv_heads, sequence, head_dim]. Trimming sets each one to a slice of itself
(`query_state()`), which copies every layer's whole cache: measured here, 0.4 ms for the
demo target but 80 ms at 128 positions and 1.3 s at 2,048 for a cache shaped like an
8B model's (64 states of [1, 8, S, 128]), more than a target step. So a rollback first
only masks the rejected slots (attention_mask 0, the next tokens keep their true
position ids: the logits are those of the trimmed cache), and the states are trimmed
for real (`compact`) once the masked slots reach a quarter of the cache: one copy per
many rejections instead of one per rejection.

Sliding-window models (Mistral, Phi-3, Gemma-2: `sliding_window` in config.json) are
exported with the window counted in cache slots, masked ones included, so a masked slot
inside the window would hide a real token that plain decoding sees. Such a model is
compacted before any call whose slots would pass the window while masked slots remain:
exact, at the cost of one compaction per rejecting step once the context is longer than
the window.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import openvino as ov

from app.core.engine.errors import GenerationFailedError, IncompleteModelError
from app.core.engine.model_folder import sliding_window
from app.core.engine.universal.logits_rows import ROWS_INPUT, add_rows_input

_INPUTS = ("input_ids", "attention_mask", "position_ids", "beam_idx")
_SEQUENCE_AXIS = 2
# Compact when masked slots exceed this many and a quarter of the live positions.
COMPACT_MIN_DEAD = 32


def _precision(compiled: ov.CompiledModel, name: str = "INFERENCE_PRECISION_HINT") -> str:
    """The precision the device computes in ("f32", "bf16", "f16"), or with `name` another
    precision property (the KV cache's), or "" if it won't say."""
    try:
        return str(compiled.get_property(name).to_string())
    except (RuntimeError, AttributeError):
        return ""


class StatefulModel:
    """Feed tokens, get logits for each fed position, trim the cache back to a length."""

    def __init__(self, folder: Path, device: str, properties: dict[str, str] | None = None,
                 role: str = "model") -> None:
        core = ov.Core()
        model = core.read_model(folder / "openvino_model.xml")
        names = {name for port in model.inputs for name in port.get_names()}
        missing = [name for name in _INPUTS if name not in names]
        if missing or not model.get_sinks():
            raise IncompleteModelError(
                f"The {role} model in {folder} is not a stateful text-generation export "
                f"(missing {', '.join(missing) or 'its KV-cache state'}).",
                "Convert it again with the task text-generation-with-past "
                "(`tandem models add`).")
        # Logits for the rows a call asks for only (logits_rows.py).
        self.sliced_logits = add_rows_input(model)
        compiled = core.compile_model(model, device, dict(properties or {}))
        self.precision = _precision(compiled)
        self.kv_cache_precision = _precision(compiled, "KV_CACHE_PRECISION")
        self._request = compiled.create_infer_request()
        self.vocab_size = int(model.outputs[0].get_partial_shape()[-1].get_length())
        self.length = 0  # live positions: what the model has read and kept
        self.physical = 0  # slots in the state tensors, live or masked
        self.infer_seconds = 0.0  # model time, for the loop-overhead figure
        self.infer_cpu_seconds = 0.0  # this thread's CPU time inside inference
        self.infer_calls = 0
        self.trim_seconds = 0.0
        self.sliding_window = sliding_window(folder)
        self._mask = np.ones((1, 1024), dtype=np.int64)  # per slot: 1 live, 0 rolled back
        self._ports = [compiled.input(name) for name in _INPUTS]
        self._request.set_tensor(self._ports[3], ov.Tensor(np.zeros(1, dtype=np.int32)))
        self._single_ids = ov.Tensor(np.zeros((1, 1), dtype=np.int64))
        self._single_position = ov.Tensor(np.zeros((1, 1), dtype=np.int64))
        self._single_values = (self._single_ids.data, self._single_position.data)
        self._single_bound = False
        self._rows = ov.Tensor(np.ones(1, dtype=np.int64))
        if self.sliced_logits:
            self._request.set_tensor(compiled.input(ROWS_INPUT), self._rows)
        self._inputs: list[ov.Tensor] = []
        # Tensors over the mask's first n slots, made once per n: they share its memory, so
        # a rollback's zeros show through, and a call needs no new tensor.
        self._mask_views: dict[int, ov.Tensor] = {}

    @property
    def dead(self) -> int:
        """Rolled-back slots still held in the state tensors."""
        return self.physical - self.length

    def reset(self) -> None:
        self._request.reset_state()
        self.length = self.physical = 0

    def forward(self, ids: Sequence[int], rows: int | None = None) -> np.ndarray:
        """Append `ids` to the cache; return float32 logits [rows, vocab] (a copy) for the
        last `rows` positions fed (default: all of them)."""
        count = len(ids)
        rows = count if rows is None else max(1, min(rows, count))
        self._rows.data[0] = rows
        if self.sliding_window is not None and self.dead \
                and self.physical + count > self.sliding_window:
            started = time.perf_counter()
            self.compact()  # the window counts slots: no masked slot may sit inside it
            self.trim_seconds += time.perf_counter() - started
        total = self.length + count
        slots = self.physical + count
        if slots > self._mask.shape[1]:
            grown = np.ones((1, 2 * slots), dtype=np.int64)
            grown[:, : self.physical] = self._mask[:, : self.physical]
            self._mask = grown
            self._mask_views.clear()
        self._mask[0, self.physical : slots] = 1
        request = self._request
        ids_port, mask_port, position_port, _ = self._ports
        if count == 1:
            # Most calls feed one token: write into tensors the request already holds.
            if not self._single_bound:
                request.set_tensor(ids_port, self._single_ids)
                request.set_tensor(position_port, self._single_position)
                self._single_bound = True
            token, position = self._single_values
            token[0, 0] = ids[0]
            position[0, 0] = self.length
            inputs = [self._mask_view(slots)]
        else:
            inputs = [ov.Tensor(np.asarray(ids, dtype=np.int64).reshape(1, count),
                                shared_memory=True),
                      self._mask_view(slots),
                      ov.Tensor(np.arange(self.length, total, dtype=np.int64).reshape(1, count),
                                shared_memory=True)]
            request.set_tensor(ids_port, inputs[0])
            request.set_tensor(position_port, inputs[2])
            self._single_bound = False
        request.set_tensor(mask_port, inputs[-1] if count == 1 else inputs[1])
        # The request does not own shared input memory: keep it alive until the next call.
        self._inputs = inputs
        # Model time is the inference call alone: packing inputs and copying logits out
        # count as the loop's own overhead.
        started, started_cpu = time.perf_counter(), time.thread_time()
        try:
            request.infer()
        except RuntimeError as exc:
            raise GenerationFailedError(
                f"OpenVINO inference failed: {str(exc).strip().splitlines()[0][:300]}",
                "Try again; if it repeats, reload the pair.") from exc
        self.infer_seconds += time.perf_counter() - started
        self.infer_cpu_seconds += time.thread_time() - started_cpu
        self.infer_calls += 1
        self.length = total
        self.physical = slots
        return np.array(request.get_output_tensor(0).data[0, -rows:], dtype=np.float32)

    def _mask_view(self, slots: int) -> ov.Tensor:
        view = self._mask_views.get(slots)
        if view is None:
            view = ov.Tensor(self._mask[:, :slots], shared_memory=True)
            self._mask_views[slots] = view
        return view

    def trim(self, keep: int) -> None:
        """Roll back every live position from `keep` on (masked now, compacted later)."""
        if keep >= self.length:
            return
        started = time.perf_counter()
        if keep <= 0:
            self.reset()
        else:
            live = np.flatnonzero(self._mask[0, : self.physical])
            self._mask[0, live[keep:]] = 0
            self.length = keep
            if self.dead > max(COMPACT_MIN_DEAD, keep // 4):
                self.compact()
        self.trim_seconds += time.perf_counter() - started

    def compact(self) -> None:
        """Trim the state tensors to exactly the live positions."""
        if self.dead == 0:
            return
        live = np.flatnonzero(self._mask[0, : self.physical])
        prefix = live.size == 0 or live[-1] == live.size - 1  # the usual case: a tail cut
        for state in self._request.query_state():
            data = state.state.data
            axis = _SEQUENCE_AXIS if data.shape[_SEQUENCE_AXIS] == self.physical else \
                next(i for i, n in enumerate(data.shape) if n == self.physical)
            if prefix:
                kept = data[(slice(None),) * axis + (slice(0, live.size),)]
            else:
                kept = np.take(data, live, axis=axis)
            state.state = ov.Tensor(np.ascontiguousarray(kept))
        self.physical = self.length
        self._mask[0, : self.physical] = 1

    def reset_counters(self) -> None:
        self.infer_seconds = self.infer_cpu_seconds = self.trim_seconds = 0.0
        self.infer_calls = 0
