"""`tandem serve`: an OpenAI-compatible server over the local engine."""

from __future__ import annotations

import argparse
import getpass
import os
from typing import Any

from app.commands.generate import EXACT_HELP

SERVE_KEY_ENV = "TANDEM_SERVE_API_KEY"
KEYRING_SERVICE = "tandem-serve"
KEYRING_USER = "api-key"


def serve_key() -> str | None:
    """The key clients must send: from the environment, else the OS keyring."""
    if os.environ.get(SERVE_KEY_ENV):
        return os.environ[SERVE_KEY_ENV]
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
    except Exception:  # no usable keyring backend: environment keys only
        return None


def store_key(args: argparse.Namespace) -> int:
    import keyring

    key = getpass.getpass("API key for tandem serve (empty to remove): ").strip()
    if key:
        keyring.set_password(KEYRING_SERVICE, KEYRING_USER, key)
        print("Stored in the OS keyring.")
    elif keyring.get_password(KEYRING_SERVICE, KEYRING_USER) is not None:
        keyring.delete_password(KEYRING_SERVICE, KEYRING_USER)
        print("Removed from the OS keyring.")
    return 0


def serve(args: argparse.Namespace) -> int:
    if args.store_key:
        return store_key(args)
    from app.commands.generate import spec_from_args
    from app.serve.server import TandemServer

    args.prompt_lookup = None
    spec = spec_from_args(args)
    key = serve_key()
    name = args.model_name or args.pair or (spec.target.name if args.target else "tandem-demo")
    from app.core.engine.both_paths import load_for_serving

    server = TandemServer(spec, host=args.host, port=args.port, model_name=name, api_key=key,
                          allow_remote=args.allow_remote, max_queue=args.max_queue,
                          loader=lambda s: load_for_serving(s, args.one_target))
    print(f"tandem serve: loading {spec.label()} ({spec.resolved_mode.value}) ...", flush=True)
    server.load()
    print(f"tandem serve: model {name!r} on {server.url}/v1"
          + (" (API key required)" if key else ""), flush=True)
    server.serve_forever()
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("serve", help="serve the local engine over an OpenAI-compatible API")
    src = p.add_argument_group("models (the demo pair by default)")
    src.add_argument("--pair", help="a ready pair from `tandem models list`")
    src.add_argument("--target", help="target model folder (OpenVINO IR)")
    src.add_argument("--draft", help="draft model folder (OpenVINO IR)")
    src.add_argument("--no-draft", action="store_true", help="serve the target alone")
    src.add_argument("--device", default="CPU", help="device for the target (default CPU)")
    src.add_argument("--draft-device", help="device for the draft (default: the target's)")
    src.add_argument("--exact", action="store_true", help=EXACT_HELP)
    p.add_argument("--model-name", help="the model id clients ask for (default: the pair's)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default "
                   "127.0.0.1; another address needs --allow-remote and an API key)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 = any)")
    p.add_argument("--allow-remote", action="store_true",
                   help=f"allow a non-loopback --host (needs {SERVE_KEY_ENV} or a stored key)")
    p.add_argument("--one-target", action="store_true",
                   help="with a draft, keep one copy of the target in memory: greedy and "
                   "sampled requests then swap paths (a reload each time they alternate)")
    p.add_argument("--max-queue", type=int, default=4,
                   help="requests that may wait while one runs; more get 429 (default 4)")
    p.add_argument("--store-key", action="store_true",
                   help="store the API key in the OS keyring (asked for, never an argument)")
    p.set_defaults(handler=serve)
