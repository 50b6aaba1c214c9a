"""Convert a Hugging Face checkpoint to OpenVINO IR with optimum-intel.

This module is the conversion subprocess: the app runs
`python -m app.core.store.convert_export --src S --dst D --weight-format F` and reads
one progress line per stage from stdout (``PROGRESS <fraction> <message>``). torch,
transformers and optimum are imported inside the functions only, so that importing the
package never pulls them into the app.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

WEIGHT_FORMATS = ("fp32", "fp16", "int8", "int4")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "tokenizer.model", "chat_template.jinja")


def progress(fraction: float, message: str) -> None:
    print(f"PROGRESS {fraction:.2f} {message}", flush=True)


def _quantization(weight_format: str) -> Any:
    from optimum.intel import OVWeightQuantizationConfig

    if weight_format == "int8":
        return OVWeightQuantizationConfig(bits=8, sym=False)
    if weight_format == "int4":
        # Symmetric, full ratio: the form that also compiles for NPUs.
        return OVWeightQuantizationConfig(bits=4, sym=True, ratio=1.0, group_size=-1)
    return None


def _no_telemetry() -> None:
    """Keep OpenVINO's usage telemetry off in this process.

    Without a consent file, libraries that report through openvino_telemetry (nncf,
    openvino-tokenizers, optimum-intel) count as consented and fork a process per event
    to send it: about 60 forks per conversion, each trying the network. Tandem never asked
    the user, so nothing is sent.
    """
    try:
        from openvino_telemetry.utils.sender import TelemetrySender
    except ImportError:
        return
    TelemetrySender.send = lambda self, backend, message: None


def export_to_openvino(src: Path, dst: Path, weight_format: str = "int8",
                       hf_tokenizer: Any = None, tokenizer_ir: Path | None = None,
                       report: Callable[[float, str], None] = progress) -> None:
    """Write OpenVINO IR of `src` (model, tokenizer, detokenizer, configs) into `dst`.

    `tokenizer_ir`: a folder whose tokenizer IR is already converted (and checked), used
    as it is; `hf_tokenizer`: the tokenizer to convert instead of `src`'s."""
    if weight_format not in WEIGHT_FORMATS:
        raise ValueError(f"weight format must be one of {', '.join(WEIGHT_FORMATS)}")
    _no_telemetry()
    report(0.02, "loading optimum-intel")
    import openvino as ov
    import openvino_tokenizers
    from optimum.intel import OVModelForCausalLM
    from transformers import AutoTokenizer

    report(0.10, f"exporting the model ({weight_format})")
    kwargs: dict[str, Any] = {"export": True, "compile": False}
    quantization = _quantization(weight_format)
    if quantization is not None:
        kwargs["quantization_config"] = quantization
    else:
        kwargs["load_in_8bit"] = False
    model = OVModelForCausalLM.from_pretrained(str(src), **kwargs)
    report(0.70, "saving the model")
    dst.mkdir(parents=True, exist_ok=True)
    if weight_format == "fp16":
        ov.save_model(model.model, dst / "openvino_model.xml", compress_to_fp16=True)
        model.config.save_pretrained(dst)
        if model.generation_config is not None:
            model.generation_config.save_pretrained(dst)
    else:
        model.save_pretrained(dst)
    report(0.85, "converting the tokenizer")
    if tokenizer_ir is not None:
        for name in ("openvino_tokenizer", "openvino_detokenizer"):
            for ext in (".xml", ".bin"):
                shutil.copy2(tokenizer_ir / (name + ext), dst / (name + ext))
    else:
        hf_tokenizer = hf_tokenizer or AutoTokenizer.from_pretrained(str(src))
        tokenizer, detokenizer = openvino_tokenizers.convert_tokenizer(
            hf_tokenizer, with_detokenizer=True)
        ov.save_model(tokenizer, dst / "openvino_tokenizer.xml")
        ov.save_model(detokenizer, dst / "openvino_detokenizer.xml")
    for name in TOKENIZER_FILES:
        if (src / name).is_file():
            shutil.copy2(src / name, dst / name)
    report(1.0, "done")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Convert a checkpoint to OpenVINO IR.")
    parser.add_argument("--src", type=Path, required=True,
                        help="a checkpoint folder, or a .gguf file")
    parser.add_argument("--dst", type=Path, required=True)
    parser.add_argument("--weight-format", choices=WEIGHT_FORMATS, default="int8")
    args = parser.parse_args(argv)
    try:
        if args.src.is_file():
            from app.core.store.convert_gguf import export_gguf

            export_gguf(args.src, args.dst, args.weight_format, progress,
                        export_to_openvino)
        else:
            export_to_openvino(args.src, args.dst, args.weight_format)
    except ImportError as exc:
        # transformers' lazy imports raise without a module name ("Could not import module
        # 'OVModelForCausalLM'", e.g. beside a torchvision that does not load): say that.
        what = f"the Python package {exc.name!r}" if exc.name else f"an import that failed ({exc})"
        print(f"ERROR this conversion needs {what}: install the convert extra "
              "(pip install \"tandem[convert]\")", file=sys.stderr, flush=True)
        return 2
    except ValueError as exc:
        print(f"ERROR {exc}", file=sys.stderr, flush=True)
        return 2
    except MemoryError:
        print("ERROR not enough memory to convert this model", file=sys.stderr, flush=True)
        return 3
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
