"""The product's promise: greedy speculative output equals plain greedy output."""

from __future__ import annotations

import pytest

from app.core.engine import GenerationRequest

PROMPTS = [
    "Tell me about speculative decoding.",
    "Write a Python function to multiply two numbers.",
    "What is the capital of Japan?",
    "How many legs does a spider have?",
]
RAW_PROMPTS = ["def add(a, b):\n", "In the morning, the small cat", "class Dog:\n"]


@pytest.fixture(scope="module")
def plain_texts(plain_session):
    texts = {}
    for prompt in PROMPTS:
        result = plain_session.generate(GenerationRequest.chat(prompt, max_new_tokens=48))
        texts[prompt] = result.token_ids
    for prompt in RAW_PROMPTS:
        result = plain_session.generate(GenerationRequest(prompt=prompt, max_new_tokens=48))
        texts[prompt] = result.token_ids
    return texts


@pytest.mark.parametrize("k", [1, 3, 5, 8])
@pytest.mark.parametrize("prompt", PROMPTS)
def test_draft_greedy_equals_plain(draft_session, plain_texts, prompt, k):
    result = draft_session.generate(
        GenerationRequest.chat(prompt, max_new_tokens=48, num_assistant_tokens=k))
    assert result.token_ids == plain_texts[prompt]
    assert result.stats.num_assistant_tokens == k


@pytest.mark.parametrize("k", [2, 4])
@pytest.mark.parametrize("prompt", RAW_PROMPTS)
def test_raw_completion_equals_plain(draft_session, plain_texts, prompt, k):
    result = draft_session.generate(
        GenerationRequest(prompt=prompt, max_new_tokens=48, num_assistant_tokens=k))
    assert result.token_ids == plain_texts[prompt]


@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.8])
def test_confidence_mode_equals_plain(draft_session, plain_texts, threshold):
    for prompt in PROMPTS[:2]:
        result = draft_session.generate(
            GenerationRequest.chat(prompt, max_new_tokens=48, confidence_threshold=threshold))
        assert result.token_ids == plain_texts[prompt]
        assert result.stats.confidence_threshold == threshold


@pytest.mark.parametrize("ngram", [2, 3])
def test_prompt_lookup_equals_plain(lookup_session, plain_texts, ngram):
    for prompt in PROMPTS[:2] + RAW_PROMPTS[:1]:
        request = (GenerationRequest(prompt=prompt, max_new_tokens=48, max_ngram_size=ngram)
                   if prompt in RAW_PROMPTS else
                   GenerationRequest.chat(prompt, max_new_tokens=48, max_ngram_size=ngram))
        result = lookup_session.generate(request)
        assert result.token_ids == plain_texts[prompt]
        assert result.stats.acceptance_rate is None  # lookup reports no drafted count


def test_cli_json_same_text_with_and_without_draft(capsys):
    import json

    from app.cli import main

    assert main(["generate", "--json", "Tell me about a token."]) == 0
    with_draft = json.loads(capsys.readouterr().out)
    assert main(["generate", "--no-draft", "--json", "Tell me about a token."]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert with_draft["text"] == plain["text"] and plain["text"]
    assert with_draft["mode"] == "draft" and plain["mode"] == "plain"
    assert with_draft["accepted_tokens"] > 0


def test_cli_picks_the_universal_loop_for_a_foreign_tokenizer(capsys, demo_dir):
    import json

    from app.cli import main

    args = ["generate", "--json", "--target", str(demo_dir / "target"),
            "--draft", str(demo_dir / "draft-othertok"), "What is the capital of Peru?"]
    assert main(args) == 0
    universal = json.loads(capsys.readouterr().out)
    assert main([*args[:4], "What is the capital of Peru?"]) == 0  # target alone
    plain = json.loads(capsys.readouterr().out)
    assert universal["mode"] == "universal" and plain["mode"] == "plain"
    assert universal["text"] == plain["text"]
