"""`tandem generate --endpoint URL`: the same run against a remote server."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from app.core.engine.types import GenerationRequest, GenerationResult, Mode

if TYPE_CHECKING:  # the HTTP stack is imported only when --endpoint is used
    from app.core.engine.remote import Endpoint, RemoteSession

PROTOCOLS = ("auto", "openai", "tgi")


def endpoint_from_args(args: argparse.Namespace) -> Endpoint:
    from app.core.engine.remote import Endpoint, Protocol

    return Endpoint(url=args.endpoint, protocol=Protocol(args.protocol),
                    model=args.model or "", key_env=args.key_env or "",
                    read_timeout_s=args.read_timeout)


def run_remote(session: RemoteSession, request: GenerationRequest,
               echo: bool) -> GenerationResult:
    """Generate on a worker thread so that Ctrl+C closes the stream at once."""
    from app.commands.interruptible import echo_sink, run_on_worker

    return run_on_worker(lambda stop: session.generate(request, echo_sink(echo), stop),
                         name="tandem-remote-generate")


def generate_remote(args: argparse.Namespace) -> int:
    from app.commands.generate_request import request_from_args
    from app.core.engine.remote import RemoteError, RemoteSession
    from app.core.engine.report import format_stats

    if args.pair or args.target or args.draft or args.prompt_lookup is not None:
        from app.core.engine.errors import InvalidSettingsError

        raise InvalidSettingsError("--endpoint runs on the server: it cannot be combined "
                                   "with --pair, --target, --draft or --prompt-lookup.",
                                   "Drop the local model options.")
    speculative = args.k is not None or args.confidence is not None
    request = request_from_args(args, Mode.DRAFT if speculative else Mode.PLAIN)
    session = RemoteSession(endpoint_from_args(args))
    try:
        result = run_remote(session, request, echo=not args.json)
    except RemoteError as exc:
        if args.json:
            print(json.dumps({"text": exc.partial_text, "error": exc.to_dict()},
                             ensure_ascii=False))
        elif exc.partial_text:
            print("\n")
        raise
    finally:
        session.close()
    if args.json:
        print(json.dumps({"text": result.text, "endpoint": session.endpoint.url,
                          "server": session.kind, **result.stats.to_dict()},
                         ensure_ascii=False))
    else:
        print("\n")
        print(f"  endpoint  {session.endpoint.url} ({session.kind}, "
              f"{session.endpoint.protocol.value} protocol, model {session.model or '-'})")
        print(format_stats(result.stats))
    return 0


def add_endpoint_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("remote server (instead of a local pair)")
    group.add_argument("--endpoint", metavar="URL",
                       help="generate on a server: vLLM, TGI, OVMS or another `tandem serve`")
    group.add_argument("--protocol", choices=PROTOCOLS, default="auto",
                       help="openai (/v1/chat/completions) or tgi (/generate_stream); "
                            "default: detected")
    group.add_argument("--model", help="the server's model name (default: its first)")
    group.add_argument("--key-env", metavar="VAR",
                       help="environment variable holding the API key (default "
                            "TANDEM_REMOTE_API_KEY, then the OS keyring)")
    group.add_argument("--read-timeout", type=float, default=60.0, metavar="S",
                       help="seconds without data before giving up (default 60)")
