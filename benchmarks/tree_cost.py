"""What a two-branch tree would cost on the real target: one pass over two candidate rows.

Issue 20 asks whether lookup and draft candidates could be verified in one target pass.
The exported stateful model takes a 2-D attention mask only (it builds the causal mask
itself), so two branches cannot share one row: the tree is a batch of 2, forked from the
cache with `beam_idx = [0, 0]` and joined again with `beam_idx = [winner]`. This measures,
interleaved and as medians over the same context, the costs that decide whether it can pay:

- v(n): a 1-row pass over n tokens against a 1-token step (the single-branch verify);
- fork(n): a 2-row pass over n tokens per row, the cache gathered to 2 rows;
- join: the next 1-token step with `beam_idx = [winner]`, back to 1 row.

    python -m benchmarks.tree_cost --home STORE [--context 256] [--repeats 7]

Prints the figures; nothing is timed as a test.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import openvino as ov

from benchmarks.real_bench import find_models

_INPUTS = ("input_ids", "attention_mask", "position_ids", "beam_idx")


class TwoRowModel:
    """The target's raw stateful model, fed with any batch and beam_idx."""

    def __init__(self, folder: Path) -> None:
        core = ov.Core()
        compiled = core.compile_model(core.read_model(folder / "openvino_model.xml"), "CPU")
        self.request = compiled.create_infer_request()
        self.length = 0  # cache positions

    def prefill(self, count: int) -> None:
        self.request.reset_state()
        self.length = 0
        self.step(np.arange(count).reshape(1, count) % 1000 + 100, [0])

    def step(self, ids: np.ndarray, beam: list[int]) -> float:
        """Feed `ids` [rows, n]; the cache is first gathered by `beam`. Seconds taken."""
        rows, n = ids.shape
        mask = np.ones((rows, self.length + n), dtype=np.int64)
        positions = np.tile(np.arange(self.length, self.length + n), (rows, 1))
        started = time.perf_counter()
        self.request.infer({"input_ids": ids.astype(np.int64), "attention_mask": mask,
                            "position_ids": positions.astype(np.int64),
                            "beam_idx": np.asarray(beam, dtype=np.int32)})
        took = time.perf_counter() - started
        self.length += n
        return took

    def trim(self, keep: int) -> None:
        """Cut every state back to `keep` positions (the measured passes leave no trace)."""
        for state in self.request.query_state():
            data = state.state.data
            state.state = ov.Tensor(np.ascontiguousarray(data[:, :, :keep]))
        self.length = keep


def measure(folder: Path, context: int, repeats: int, sizes: list[int]) -> dict[str, float]:
    model = TwoRowModel(folder)
    model.prefill(context)
    samples: dict[str, list[float]] = {}
    one = np.array([[200]])
    for _ in range(repeats):
        for n in sizes:  # interleaved: each round measures every figure once
            ids = np.arange(n).reshape(1, n) + 300
            samples.setdefault("step", []).append(model.step(one, [0]))
            model.trim(context)
            samples.setdefault(f"v({n})", []).append(model.step(ids, [0]))
            model.trim(context)
            samples.setdefault(f"fork({n})", []).append(
                model.step(np.vstack([ids, ids + 7]), [0, 0]))
            samples.setdefault("join", []).append(model.step(one, [1]))
            model.trim(context)  # the join left one row: as before the fork
    step = statistics.median(samples["step"])
    return {name: statistics.median(values) / step if name != "step"
            else step * 1000 for name, values in samples.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tree_cost")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--context", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sizes", default="4,5,7")
    args = parser.parse_args(argv)
    folder = find_models(args.home)["target-int4"]
    figures = measure(folder, args.context, args.repeats,
                      [int(n) for n in args.sizes.split(",")])
    print(f"target {folder.parent.name}/{folder.name}, context {args.context}, "
          f"{args.repeats} interleaved rounds, medians")
    print(f"  1-token step: {figures.pop('step'):.1f} ms")
    for name, ratio in figures.items():
        print(f"  {name}: {ratio:.2f} steps")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
