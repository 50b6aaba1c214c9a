"""A benchmark target with realistic cost: the demo target, widened with dead neurons.

The demo target (about 1M parameters) is so small that per-step overhead dominates and
speculation cannot pay off. This builder widens every MLP with `extra_neurons` neurons
whose down-projection weights are exactly zero: their activations are multiplied by zero,
so the text stays the same while each step now costs as much as a model of a few hundred
million parameters (120,000 extra neurons per layer give about 185M parameters). It
SIMULATES a large target's cost; it knows no more than the demo target.

    python -m benchmarks.cost_scaled --extra-neurons 120000

Weights go to `benchmarks/.cache/` (ignored by git). torch and transformers are imported
inside the functions only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import time
from pathlib import Path

from app import paths

CACHE = Path(__file__).resolve().parent / ".cache"
DEFAULT_EXTRA_NEURONS = 120_000
SEED = 20261122
_MARKER = "tandem-cost-scaled.json"


def default_out_dir(extra_neurons: int = DEFAULT_EXTRA_NEURONS) -> Path:
    return CACHE / f"cost-scaled-{extra_neurons}"


def widen_checkpoint(src: Path, dst: Path, extra_neurons: int) -> int:
    """Write a Hugging Face checkpoint of `src` with wider MLPs; return its parameter count."""
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(SEED)
    model = AutoModelForCausalLM.from_pretrained(str(src), dtype=torch.float32)
    hidden = model.config.hidden_size
    old = model.config.intermediate_size
    new = old + extra_neurons
    with torch.no_grad():
        for layer in model.model.layers:
            mlp = layer.mlp
            gate = torch.nn.Linear(hidden, new, bias=False)
            up = torch.nn.Linear(hidden, new, bias=False)
            down = torch.nn.Linear(new, hidden, bias=False)
            # Extra gate/up rows are random (they cost compute like real neurons); the
            # extra down-projection columns are exactly zero, so they add nothing.
            gate.weight.normal_(0.0, 0.02)
            up.weight.normal_(0.0, 0.02)
            gate.weight[:old] = mlp.gate_proj.weight
            up.weight[:old] = mlp.up_proj.weight
            down.weight.zero_()
            down.weight[:, :old] = mlp.down_proj.weight
            mlp.gate_proj, mlp.up_proj, mlp.down_proj = gate, up, down
    model.config.intermediate_size = new
    dst.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(dst))
    for item in src.iterdir():
        if item.is_file() and not item.name.startswith(("model", "config.json")):
            shutil.copy2(item, dst / item.name)
    return sum(p.numel() for p in model.parameters())


def _source_hash(source: Path) -> str:
    digest = hashlib.sha256()
    for item in sorted(source.glob("*.safetensors")):
        digest.update(item.read_bytes())
    return digest.hexdigest()


def build_cost_scaled_target(out_dir: Path, extra_neurons: int = DEFAULT_EXTRA_NEURONS,
                             src: Path | None = None, weight_format: str = "int8") -> Path:
    """Build (or reuse) the cost-scaled target; return its OpenVINO IR folder.

    `out_dir/hf` holds the widened Hugging Face checkpoint (for the PyTorch peer run),
    `out_dir/ov` the OpenVINO IR that Tandem loads.
    """
    from app.core.store.convert_export import export_to_openvino

    source = src or paths.demo_dir() / "hf" / "target"
    hf_dir, ov_dir = out_dir / "hf", out_dir / "ov"
    marker = out_dir / _MARKER
    # The source's hash, so that a rebuilt demo target invalidates the cached build.
    wanted = {"extra_neurons": extra_neurons, "weight_format": weight_format,
              "source": str(source), "source_sha256": _source_hash(source)}
    if marker.is_file():
        recorded = json.loads(marker.read_text(encoding="utf-8"))
        if all(recorded.get(k) == v for k, v in wanted.items()) and ov_dir.is_dir():
            return ov_dir
    shutil.rmtree(out_dir, ignore_errors=True)
    started = time.monotonic()
    parameters = widen_checkpoint(source, hf_dir, extra_neurons)
    export_to_openvino(hf_dir, ov_dir, weight_format)
    # Written last: a folder without the marker is an interrupted build.
    marker.write_text(json.dumps({**wanted, "parameters": parameters,
                                  "build_seconds": round(time.monotonic() - started, 1)},
                                 indent=2), encoding="utf-8")
    return ov_dir


def build_info(out_dir: Path) -> dict[str, object]:
    marker = out_dir / _MARKER
    return json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra-neurons", type=int, default=DEFAULT_EXTRA_NEURONS)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--weight-format", default="int8")
    args = parser.parse_args(argv)
    out = args.out or default_out_dir(args.extra_neurons)
    ov_dir = build_cost_scaled_target(out, args.extra_neurons, weight_format=args.weight_format)
    print(f"cost-scaled target: {ov_dir}")
    print(json.dumps(build_info(out), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
