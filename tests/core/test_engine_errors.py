"""Every user-facing failure is a typed error with a message and a hint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from app.core.engine.errors import (
    DeviceUnavailableError,
    IncompleteModelError,
    InsufficientMemoryError,
    InvalidSettingsError,
    PromptTooLongError,
    TokenizerMismatchError,
)
from app.core.engine.preflight import check_memory
from app.core.engine.validation import check_npu_prompt, validate_request


def copy_model(demo_dir: Path, name: str, dst: Path) -> Path:
    out = dst / name
    shutil.copytree(demo_dir / name, out)
    return out


def test_missing_file_names_the_file(demo_dir, tmp_path):
    target = copy_model(demo_dir, "target", tmp_path)
    (target / "openvino_detokenizer.xml").unlink()
    with pytest.raises(IncompleteModelError) as err:
        load_session(PairSpec(target))
    assert "openvino_detokenizer.xml" in err.value.message
    assert err.value.hint


def test_missing_folder(tmp_path):
    with pytest.raises(IncompleteModelError, match="does not exist"):
        load_session(PairSpec(tmp_path / "nowhere"))


def test_truncated_weights_are_detected_before_loading(demo_dir, tmp_path):
    draft = copy_model(demo_dir, "draft", tmp_path)
    weights = draft / "openvino_model.bin"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(IncompleteModelError) as err:
        load_session(PairSpec(demo_dir / "target", draft))
    assert "truncated" in err.value.message and "draft" in err.value.message


def test_draft_with_another_tokenizer_names_the_difference(demo_dir):
    with pytest.raises(TokenizerMismatchError) as err:
        load_session(PairSpec(demo_dir / "target", demo_dir / "draft-othertok"))
    assert "vocabulary size 1024 vs 330" in err.value.message
    assert "encoding of" in err.value.message


def test_absent_device(demo_dir):
    with pytest.raises(DeviceUnavailableError) as err:
        load_session(PairSpec(demo_dir / "target", demo_dir / "draft", draft_device="GPU.3"))
    assert "GPU.3" in err.value.message and "CPU" in err.value.message


def test_generic_gpu_name_matches_numbered_gpus(demo_dir):
    from app.core.engine.preflight import check_devices

    spec = PairSpec(demo_dir / "target", demo_dir / "draft", device="GPU", draft_device="CPU")
    check_devices(spec, available=["CPU", "GPU.0", "GPU.1"])  # "GPU" is the first GPU
    with pytest.raises(DeviceUnavailableError):
        check_devices(spec, available=["CPU"])


def test_not_enough_memory_refused_with_numbers(demo_dir):
    spec = PairSpec(demo_dir / "target", demo_dir / "draft")
    with pytest.raises(InsufficientMemoryError, match=r"needs about .* GB"):
        check_memory(spec, available_bytes=1024)
    check_memory(spec, available_bytes=2**34)  # plenty: no error


def test_memory_estimate_counts_the_draft_where_the_mode_loads_it(demo_dir):
    """One estimate for preflight and Auto's cap: the universal loop loads its draft like
    GenAI's pipeline does, prompt lookup and plain load none."""
    from app.core.engine.preflight import needed_bytes

    target, draft = demo_dir / "target", demo_dir / "draft"
    alone = needed_bytes(PairSpec(target))
    with_draft = needed_bytes(PairSpec(target, draft))
    assert with_draft > alone > 0
    assert needed_bytes(PairSpec(target, draft, mode=Mode.UNIVERSAL)) == with_draft
    assert needed_bytes(PairSpec(target, draft, mode=Mode.PROMPT_LOOKUP)) == alone
    assert needed_bytes(PairSpec(target, draft, mode=Mode.PLAIN)) == alone
    between = (alone + with_draft) // 2  # room for the target, not for the draft beside it
    check_memory(PairSpec(target, draft, mode=Mode.PROMPT_LOOKUP), available_bytes=between)
    with pytest.raises(InsufficientMemoryError):
        check_memory(PairSpec(target, draft, mode=Mode.UNIVERSAL), available_bytes=between)


def test_k_and_threshold_together(draft_session):
    with pytest.raises(InvalidSettingsError) as err:
        draft_session.generate(GenerationRequest.chat(
            "Hello!", num_assistant_tokens=3, confidence_threshold=0.5))
    assert "Choose one" in err.value.hint


def test_zero_max_new_tokens(plain_session):
    with pytest.raises(InvalidSettingsError, match="max_new_tokens is 0"):
        plain_session.generate(GenerationRequest.chat("Hello!", max_new_tokens=0))


def test_prompt_longer_than_context(plain_session):
    long_prompt = "The small cat walks to the river. " * 200
    with pytest.raises(PromptTooLongError) as err:
        plain_session.generate(GenerationRequest(prompt=long_prompt, max_new_tokens=8))
    assert "context holds 512" in err.value.message


def test_answer_is_capped_at_the_context(plain_session):
    from app.core.engine import FinishReason

    # A prompt that leaves 3 tokens of room: the cap, not the model, must end the answer.
    prompt = "The small cat walks to the river. " * 80
    tokens = plain_session.count_input_tokens(GenerationRequest(prompt=prompt))
    words = prompt.split(" ")
    while tokens > 509:
        words = words[:-1]
        prompt = " ".join(words)
        tokens = plain_session.count_input_tokens(GenerationRequest(prompt=prompt))
    result = plain_session.generate(GenerationRequest(prompt=prompt, max_new_tokens=400))
    assert result.stats.finish_reason == FinishReason.LENGTH
    assert result.stats.generated_tokens == 512 - tokens


@pytest.mark.parametrize("request_kwargs, needle", [
    ({"do_sample": True}, "greedy only"),
    ({"confidence_threshold": 0.4}, "confidence threshold"),
])
def test_npu_limits_are_sentences(request_kwargs, needle):
    with pytest.raises(InvalidSettingsError, match=needle):
        validate_request(GenerationRequest.chat("Hi", **request_kwargs), Mode.DRAFT, True)
    with pytest.raises(InvalidSettingsError, match="at most 1024"):
        check_npu_prompt(2000)


@pytest.mark.parametrize("kwargs, mode, needle", [
    ({"prompt": "x", "messages": ()}, Mode.PLAIN, None),
    ({"do_sample": True, "temperature": 0.0}, Mode.PLAIN, "Temperature"),
    ({"do_sample": True, "top_p": 1.5}, Mode.PLAIN, "top_p"),
    ({"confidence_threshold": 0.5}, Mode.PLAIN, "needs speculative decoding"),
    ({"max_ngram_size": 3}, Mode.DRAFT, "prompt lookup"),
    ({"num_assistant_tokens": 0}, Mode.DRAFT, "outside 1"),
    ({"confidence_threshold": 1.5}, Mode.DRAFT, "outside"),
    ({"confidence_threshold": 0.5}, Mode.PROMPT_LOOKUP, "does not use"),
])
def test_invalid_combinations(kwargs, mode, needle):
    if needle is None:  # a valid raw request passes and gets defaults
        assert validate_request(GenerationRequest(**kwargs), mode, False).prompt == "x"
        return
    with pytest.raises(InvalidSettingsError, match=needle):
        validate_request(GenerationRequest.chat("Hi", **kwargs), mode, False)


def test_defaults_are_filled():
    request = validate_request(GenerationRequest.chat("Hi"), Mode.PROMPT_LOOKUP, False)
    assert request.num_assistant_tokens and request.max_ngram_size
    request = validate_request(GenerationRequest.chat("Hi"), Mode.DRAFT, False)
    assert request.num_assistant_tokens == 3


def test_cli_prints_message_and_hint(capsys, tmp_path):
    from app.cli import main

    assert main(["generate", "--target", str(tmp_path), "Hello"]) == 2
    err = capsys.readouterr().err
    assert "missing openvino_model.xml" in err and "Convert the model again" in err
