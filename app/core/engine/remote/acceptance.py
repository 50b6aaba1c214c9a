"""Draft acceptance as servers report it, and nothing made up when they don't.

In order of preference: a per-request report in the stream (Tandem's own usage
extension, vLLM's `metrics.speculative_decoding`, llama.cpp's `timings.draft_n*`, LM
Studio's `stats.*draft_tokens_count`); then the difference of vLLM's Prometheus counters
before and after the request, marked approximate when other requests may have run;
otherwise `NOT_REPORTED`, which the UI shows as "speculation on the server; acceptance
not reported".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

NOT_REPORTED = "not reported"
SOURCE_TANDEM = "tandem server"
SOURCE_VLLM = "vLLM per request"
SOURCE_LLAMA_CPP = "llama.cpp timings"
SOURCE_LM_STUDIO = "LM Studio stats"
SOURCE_VLLM_METRICS = "vLLM /metrics difference"
SOURCE_VLLM_METRICS_APPROX = "vLLM /metrics difference (approximate)"


@dataclass(frozen=True)
class Acceptance:
    drafted: int | None
    accepted: int | None
    rate: float | None
    source: str

    @staticmethod
    def of(drafted: Any, accepted: Any, source: str, rate: Any = None) -> Acceptance | None:
        d = _int(drafted)
        a = _int(accepted)
        r = _float(rate)
        if r is None and d and a is not None:
            r = a / d
        if d is None and a is None and r is None:
            return None
        return Acceptance(d, a, r, source)


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if value >= 0 else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if 0.0 <= value <= 1.0 else None


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in data:
            return data[key]
    return None


def from_vllm(metrics: Any) -> Acceptance | None:
    """vLLM's `metrics.speculative_decoding` (per request, with the server started with
    `--per-request-spec-decode-metrics summary`; marked experimental by vLLM, so the
    older spellings of the counts are accepted too)."""
    if not isinstance(metrics, Mapping):
        return None
    spec = metrics.get("speculative_decoding")
    if not isinstance(spec, Mapping):
        return None
    return Acceptance.of(
        _first(spec, "num_draft_tokens", "draft_tokens", "num_drafted_tokens"),
        _first(spec, "num_accepted_draft_tokens", "num_accepted_tokens", "accepted_tokens"),
        SOURCE_VLLM, rate=_first(spec, "acceptance_rate", "draft_acceptance_rate"))


def from_llama_cpp(timings: Any) -> Acceptance | None:
    if not isinstance(timings, Mapping) or "draft_n" not in timings:
        return None
    return Acceptance.of(timings.get("draft_n"), timings.get("draft_n_accepted"),
                         SOURCE_LLAMA_CPP)


def from_lm_studio(stats: Any) -> Acceptance | None:
    if not isinstance(stats, Mapping) or ("total_draft_tokens_count" not in stats \
            and "accepted_draft_tokens_count" not in stats):
        return None
    accepted = stats.get("accepted_draft_tokens_count")
    drafted = stats.get("total_draft_tokens_count")
    if drafted is None and accepted is not None:
        parts = [stats.get(k) for k in ("accepted_draft_tokens_count",
                                         "rejected_draft_tokens_count",
                                         "ignored_draft_tokens_count")]
        drafted = sum(p for p in parts if isinstance(p, int)) if all(
            isinstance(p, int) for p in parts[:2]) else None
    return Acceptance.of(drafted, accepted, SOURCE_LM_STUDIO)


def from_tandem(ext: Any) -> Acceptance | None:
    if not isinstance(ext, Mapping) or ext.get("mode") in (None, "plain"):
        return None
    return Acceptance.of(ext.get("drafted_tokens"), ext.get("accepted_tokens"), SOURCE_TANDEM,
                         rate=ext.get("acceptance_rate"))


def from_chunk(chunk: Mapping[str, Any]) -> Acceptance | None:
    """Any per-request report carried by one streamed chunk (or a whole response)."""
    usage = chunk.get("usage") if isinstance(chunk.get("usage"), Mapping) else {}
    assert isinstance(usage, Mapping)
    return (from_tandem(usage.get("tandem")) or from_vllm(chunk.get("metrics"))
            or from_vllm(usage.get("metrics")) or from_llama_cpp(chunk.get("timings"))
            or from_lm_studio(chunk.get("stats")))


# -- vLLM's Prometheus counters ------------------------------------------------------------

DRAFT_COUNTER = "vllm:spec_decode_num_draft_tokens_total"
ACCEPTED_COUNTER = "vllm:spec_decode_num_accepted_tokens_total"
SUCCESS_COUNTER = "vllm:request_success_total"
RUNNING_GAUGE = "vllm:num_requests_running"
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+([-+0-9.eEinfNa]+)")


def parse_prometheus(text: str) -> dict[str, float]:
    """Sum each metric over its labels (one engine may report several label sets)."""
    sums: dict[str, float] = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line.strip())
        if not match:
            continue
        try:
            value = float(match.group(3))
        except ValueError:
            continue
        sums[match.group(1)] = sums.get(match.group(1), 0.0) + value
    return sums


def has_spec_counters(sample: Mapping[str, float]) -> bool:
    return DRAFT_COUNTER in sample and ACCEPTED_COUNTER in sample


def from_counter_difference(before: Mapping[str, float],
                            after: Mapping[str, float]) -> Acceptance | None:
    """Exact only if nothing else ran: no request was running before ours, and exactly
    one request (ours) finished in between; otherwise labelled approximate."""
    if not (has_spec_counters(before) and has_spec_counters(after)):
        return None
    drafted = int(after[DRAFT_COUNTER] - before[DRAFT_COUNTER])
    accepted = int(after[ACCEPTED_COUNTER] - before[ACCEPTED_COUNTER])
    if drafted < 0 or accepted < 0:  # the server restarted in between
        return None
    finished = after.get(SUCCESS_COUNTER, 0.0) - before.get(SUCCESS_COUNTER, 0.0)
    idle = before.get(RUNNING_GAUGE, 0.0) == 0.0 and finished == 1.0
    source = SOURCE_VLLM_METRICS if idle else SOURCE_VLLM_METRICS_APPROX
    return Acceptance.of(drafted, accepted, source)
