"""RemoteSession: the Session interface over a server (OpenAI-compatible or TGI).

Each streamed chunk becomes one StepEvent. A server does not say which tokens were
drafted (draft_tokens is 0), except a Tandem server, which adds that to each chunk.
On any failure the text received so far stays in the events already sent and in the
error's `partial_text`; a Stop closes the stream at once and returns the partial answer.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import httpx

from app.core.engine.pair import PairSpec
from app.core.engine.remote import openai_protocol, tgi_protocol
from app.core.engine.remote.acceptance import Acceptance, from_counter_difference
from app.core.engine.remote.endpoint import Endpoint, Protocol, find_endpoint, redact_url
from app.core.engine.remote.errors import EndpointStreamBrokenError, RemoteError
from app.core.engine.remote.http import make_client, translate
from app.core.engine.remote.keys import lookup_key
from app.core.engine.remote.probe import ServerInfo, probe, scrape_metrics
from app.core.engine.remote.remote_stats import RemoteTiming, build_remote_stats
from app.core.engine.remote.sse import open_event_stream
from app.core.engine.remote.stream_state import Piece, StreamState
from app.core.engine.types import (
    FinishReason,
    GenerationRequest,
    GenerationResult,
    Mode,
    StepEvent,
    StepSink,
)
from app.core.engine.validation import validate_request


def _scrub(exc: RemoteError, secret: str | None) -> RemoteError:
    """Belt and braces: a key quoted back by a server never reaches a message."""
    if secret:
        exc.message = exc.message.replace(secret, "***")
        exc.hint = exc.hint.replace(secret, "***")
        exc.args = (exc.message,)
    return exc


class RemoteSession:
    """A pair that runs on a remote server (OpenAI-style or TGI): the same requests and step events
    as a local session, with the server's statistics."""
    backend_name = "remote"

    def __init__(self, endpoint: Endpoint, api_key: str | None = None,
                 info: ServerInfo | None = None, spec: PairSpec | None = None) -> None:
        self._key = api_key if api_key is not None else lookup_key(endpoint)
        self._client = make_client(endpoint, self._key)
        started = time.monotonic()
        if info is None and (endpoint.protocol is Protocol.AUTO
                             or (endpoint.protocol is Protocol.OPENAI and not endpoint.model)):
            try:
                info = probe(endpoint, self._key, self._client)
            except RemoteError as exc:
                self._client.close()
                raise _scrub(exc, self._key) from None
        self.info = info
        protocol = info.protocol if info and endpoint.protocol is Protocol.AUTO \
            else endpoint.protocol
        model = endpoint.model or (info.models[0] if info and info.models else "")
        self.endpoint = endpoint.with_protocol(protocol)
        self.model = model
        self.load_time_s = time.monotonic() - started
        # Not a local pair: the spec only names the endpoint for labels and reports.
        self.spec = spec or PairSpec(target=Path(model or "remote"), device=self.endpoint.host,
                                     name=self.endpoint.label(), endpoint=self.endpoint.id)
        self.mode = Mode.PLAIN  # speculation, if any, is configured on the server
        self.context_length: int | None = None

    @property
    def kind(self) -> str:
        """What the server is (tandem, vllm, tgi, llama.cpp, openai-compatible), or the protocol
        when it was not probed."""
        return self.info.kind if self.info else self.endpoint.protocol.value

    def count_input_tokens(self, request: GenerationRequest) -> int:
        """Unknown before a run; the server's usage gives it afterwards (stats.input_tokens)."""
        return 0

    # -- generation ---------------------------------------------------------------------

    def generate(self, request: GenerationRequest, sink: StepSink | None = None,
                 stop: threading.Event | None = None) -> GenerationResult:
        """Generate `request`, handing each step to `sink` on this thread; a set `stop` ends the run
        at its next step with the partial text (FinishReason.STOPPED)."""
        # Speculation is the server's business: K or a threshold reach only a Tandem
        # server (for its draft); prompt lookup settings never leave this machine.
        request = replace(request, max_ngram_size=None)
        if self.kind != "tandem":
            request = replace(request, num_assistant_tokens=None, confidence_threshold=None)
        speculative = request.num_assistant_tokens is not None \
            or request.confidence_threshold is not None
        request = validate_request(request, Mode.DRAFT if speculative else Mode.PLAIN,
                                   on_npu=False)
        if self.endpoint.protocol is Protocol.TGI:
            path, payload = tgi_protocol.build_payload(request)
            parse = tgi_protocol.parse_event
        else:
            path, payload = openai_protocol.build_payload(request, self.model,
                                                          tandem_extension=self.kind == "tandem")
            parse = openai_protocol.parse_event
        counters_before = scrape_metrics(self._client) if self.info and \
            self.info.spec_counters else None
        state = StreamState()
        steps: list[StepEvent] = []
        chunk_tokens: list[int] = []
        text_parts: list[str] = []
        ids: list[int] = []
        stopped = False
        submitted = time.monotonic()

        def emit(piece: Piece) -> None:
            event = StepEvent(index=len(steps), text=piece.text, token_ids=piece.token_ids,
                              draft_tokens=piece.draft_tokens, timestamp=time.monotonic(),
                              spans=piece.spans or _plain_spans(piece.text))
            steps.append(event)
            chunk_tokens.append(piece.tokens)
            text_parts.append(piece.text)
            ids.extend(piece.token_ids)
            if sink is not None:
                sink(event)

        try:
            with open_event_stream(self._client, self.endpoint, path, payload, stop) as stream:
                for sse in stream.events():
                    if not sse.data:
                        continue
                    piece = parse(sse.data, state, self.endpoint)
                    if piece is not None:
                        emit(piece)
                    if state.done or (stop is not None and stop.is_set()):
                        break
                stopped = stream.stopped or (stop is not None and stop.is_set()
                                             and not state.done)
        except (httpx.HTTPError, RemoteError) as exc:
            raise _scrub(translate(exc, self.endpoint, "".join(text_parts)),
                         self._key) from None
        if not stopped and not state.done and state.finish is None:
            raise EndpointStreamBrokenError(
                f"{redact_url(self.endpoint.url)} ended the answer without finishing it.",
                "Try again; the text received so far is kept.", "".join(text_parts))
        finished = time.monotonic()
        found = state.acceptance
        if found is None and counters_before is not None and not stopped:
            found = self._counter_acceptance(counters_before)
        finish = FinishReason.STOPPED if stopped else state.finish or FinishReason.LENGTH
        reported = state.server_stats.get("finish_reason")
        if not stopped and reported in {f.value for f in FinishReason}:
            finish = FinishReason(reported)  # a Tandem server knows stop strings from EOS
        stats = build_remote_stats(
            host=self.endpoint.host, steps=steps, chunk_tokens=chunk_tokens, state=state,
            timing=RemoteTiming(submitted, finished), finish=finish, acceptance=found)
        return GenerationResult(text="".join(text_parts), stats=stats, token_ids=tuple(ids),
                                steps=tuple(steps))

    def _counter_acceptance(self, before: dict[str, float]) -> Acceptance | None:
        after = scrape_metrics(self._client)
        return from_counter_difference(before, after) if after is not None else None

    def close(self) -> None:
        """Close the connection to the server."""
        self._client.close()

    def __enter__(self) -> RemoteSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _plain_spans(text: str) -> tuple[tuple[int, bool], ...]:
    return ((len(text), False),) if text else ()


def open_endpoint(spec: PairSpec) -> RemoteSession:
    """The session for a spec naming a saved endpoint (what load_session calls)."""
    return RemoteSession(find_endpoint(spec.endpoint), spec=spec)
