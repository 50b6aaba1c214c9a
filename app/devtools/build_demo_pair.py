"""Build the offline demo pair: tokenizer, target, draft and a foreign-tokenizer draft.

Everything is made here, offline and deterministically from a seed: a generated corpus
(`demo_corpus`), a byte-level BPE tokenizer, a Llama-architecture target and a smaller
draft trained briefly on the CPU, and a third model with its own tokenizer for the
mismatch error and universal drafts. The Hugging Face checkpoints are kept (conversion
tests serve them from a local hub) and each is converted to OpenVINO IR with the same
converter the model store uses.

    python -m app.devtools.build_demo_pair --out resources/demo

Needs the `convert` extra (torch, transformers, optimum-intel); the app itself does not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.devtools.demo_corpus import ASSISTANT, END, SYSTEM, USER, generate_corpus

SEED = 20261122
RUNTIME_FILE = "tandem-runtime.json"
DEMO_RUNTIME = {"INFERENCE_PRECISION_HINT": "f32"}
CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}<|end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SPECIALS = ["<pad>", "<s>", END, USER, ASSISTANT, SYSTEM]


@dataclass(frozen=True)
class ModelShape:
    name: str
    hidden: int
    layers: int
    heads: int
    kv_heads: int
    intermediate: int
    steps: int
    lr: float


TARGET = ModelShape("target", hidden=128, layers=4, heads=4, kv_heads=2, intermediate=384,
                    steps=1500, lr=3e-3)
DRAFT = ModelShape("draft", hidden=64, layers=2, heads=2, kv_heads=1, intermediate=192,
                   steps=1200, lr=4e-3)
CONTEXT = 512
BLOCK = 128
BATCH = 16


def train_tokenizer(docs: list[str], vocab_size: int) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=SPECIALS, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(docs, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token=END, pad_token="<pad>",
        unk_token=None, additional_special_tokens=[USER, ASSISTANT, SYSTEM],
        model_max_length=CONTEXT, clean_up_tokenization_spaces=False,
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def token_stream(tokenizer: Any, docs: list[str]) -> Any:
    import torch

    ids: list[int] = []
    for doc in docs:
        ids.extend(tokenizer(doc if doc.endswith(END + "\n") else doc + END)["input_ids"])
    return torch.tensor(ids, dtype=torch.long)


def train_model(shape: ModelShape, tokenizer: Any, stream: Any, seed: int) -> Any:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=shape.hidden, num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads, num_key_value_heads=shape.kv_heads,
        intermediate_size=shape.intermediate, max_position_embeddings=CONTEXT,
        tie_word_embeddings=True, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id,
    )
    model = LlamaForCausalLM(config)
    opt = torch.optim.AdamW(model.parameters(), lr=shape.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=shape.lr, total_steps=shape.steps,
                                                pct_start=0.1)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    started = time.monotonic()
    for step in range(shape.steps):
        starts = torch.randint(0, len(stream) - BLOCK - 1, (BATCH,), generator=gen)
        batch = torch.stack([stream[s : s + BLOCK] for s in starts.tolist()])
        loss = model(input_ids=batch, labels=batch).loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 100 == 0 or step == shape.steps - 1:
            print(f"{shape.name} step {step} loss {loss.item():.3f} "
                  f"({time.monotonic() - started:.0f}s)", flush=True)
    model.eval()
    return model


def save_checkpoint(model: Any, tokenizer: Any, out: Path) -> None:
    from transformers import GenerationConfig

    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    GenerationConfig(
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id, do_sample=False, max_new_tokens=128,
    ).save_pretrained(out)


def build(out: Path, seed: int) -> dict[str, Any]:
    import torch

    from app.core.store.convert_export import export_to_openvino

    # One thread: the same floats, hence the same model, on any machine (and no OpenMP
    # spin-waiting when the machine is busy).
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    started = time.monotonic()
    docs = generate_corpus(seed, 6000)
    hf = out / "hf"
    if hf.exists():
        shutil.rmtree(hf)
    tokenizer = train_tokenizer(docs, 1024)
    stream = token_stream(tokenizer, docs)
    target = train_model(TARGET, tokenizer, stream, seed)
    save_checkpoint(target, tokenizer, hf / "target")
    draft = train_model(DRAFT, tokenizer, stream, seed + 1)
    save_checkpoint(draft, tokenizer, hf / "draft")
    other_tokenizer = train_tokenizer(docs, 330)
    other_stream = token_stream(other_tokenizer, docs)
    other = train_model(DRAFT, other_tokenizer, other_stream, seed + 2)
    save_checkpoint(other, other_tokenizer, hf / "draft-othertok")
    for name in ("target", "draft", "draft-othertok"):
        dst = out / name
        if dst.exists():
            shutil.rmtree(dst)
        export_to_openvino(hf / name, dst, weight_format="fp32")
        # The reference answers are recorded in f32; pin it (bf16 CPUs would differ).
        (dst / RUNTIME_FILE).write_text(json.dumps(DEMO_RUNTIME) + "\n", encoding="utf-8")
    from app.devtools.demo_expected import write_draft_stats, write_expected
    from app.devtools.demo_inputs import inputs_digest

    write_expected(out)
    draft_stats = write_draft_stats(out)
    info = {"seed": seed, "acceptance_rate": draft_stats["acceptance_rate"],
            "block_efficiency": draft_stats["block_efficiency"], "documents": len(docs),
            "tokens": len(stream), "build_seconds": round(time.monotonic() - started, 1),
            # Training floats depend on the CPU's vector unit: the rebuild test compares
            # answers only between builds made with the same one.
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "torch": torch.__version__,
            "inputs_digest": inputs_digest()}
    (out / "build-info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=Path("resources/demo"))
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    print(json.dumps(build(args.out, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
