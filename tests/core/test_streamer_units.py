"""The streamer and detokenizer on a byte-level toy vocabulary: the edges, one by one."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.core.engine.detokenize import IncrementalDetokenizer
from app.core.engine.streamer import BurstStreamer

# A toy byte-level vocabulary: token i is one byte, so multi-byte characters split.
TEXT = "Hi Zürich 東京 end\n"
BYTES = list(TEXT.encode("utf-8"))


def decode(ids: Sequence[int]) -> str:
    return bytes(ids).decode("utf-8", errors="replace")


def run(bursts: list[list[int]], stop_strings: Sequence[str] = ()):
    events = []
    streamer = BurstStreamer(decode, events.append, None, stop_strings)
    for burst in bursts:
        streamer.write(burst)
    streamer.finish()
    return streamer, events


def bursts_of(ids: list[int], size: int) -> list[list[int]]:
    return [ids[:1]] + [ids[i:i + size] for i in range(1, len(ids), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 5])
def test_multibyte_characters_split_across_bursts_join_exactly(size):
    streamer, events = run(bursts_of(BYTES, size))
    assert "".join(e.text for e in events) == TEXT
    assert "\ufffd" not in "".join(e.text for e in events)
    assert "".join(e.text for e in streamer.steps) == TEXT
    for event in events:
        assert sum(n for n, _ in event.spans) == len(event.text)


def test_draft_spans_follow_burst_positions():
    _streamer, events = run([[72], [105, 32, 90]])  # "H", then "i Z": 2 draft + 1 target
    assert events[1].draft_tokens == 2
    assert events[1].spans == ((2, True), (1, False))


def test_stop_string_split_across_bursts_is_never_shown():
    streamer, events = run(bursts_of(BYTES, 2), stop_strings=("東京",))
    shown = "".join(e.text for e in events)
    assert shown == "Hi Zürich "
    assert streamer.stop_string_hit


def test_stop_string_prefix_is_released_at_the_end():
    # "end\n" looks like the start of "end\n\n" until the run ends: held, then released.
    streamer, events = run(bursts_of(BYTES, 3), stop_strings=("end\n\n",))
    assert "".join(e.text for e in events) == TEXT
    assert not streamer.stop_string_hit
    assert events[-1].token_ids == ()  # the tail event carries held-back text only
    assert "".join(e.text for e in streamer.steps) == TEXT


def test_detokenizer_releases_a_lone_invalid_byte_without_duplicating():
    detok = IncrementalDetokenizer(decode)
    out = [detok.push(b) for b in [230, *list(b"abcdefghij")]]
    out.append(detok.flush())
    text = "".join(out)
    assert text.endswith("abcdefghij")
    assert text.count("a") == 1
