"""Run `tandem serve`: bind the socket, load the engine, serve with uvicorn.

127.0.0.1 is the default. Any other address needs `allow_remote` and an API key: an
open port with a model behind it and no key is not something to do by accident.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable

import uvicorn

from app.core.engine.both_paths import load_for_serving
from app.core.engine.errors import InvalidSettingsError
from app.core.engine.pair import PairSpec
from app.core.engine.session import Session
from app.serve.engine_worker import EngineWorker
from app.serve.guard import is_loopback
from app.serve.routes import ServeConfig, build_app

log = logging.getLogger(__name__)


def check_exposure(host: str, allow_remote: bool, api_key: str | None) -> None:
    if is_loopback(host):
        return
    if not allow_remote:
        raise InvalidSettingsError(
            f"Listening on {host} would expose the model beyond this machine.",
            "Add --allow-remote and set an API key (TANDEM_SERVE_API_KEY), or keep the "
            "default 127.0.0.1.")
    if not api_key:
        raise InvalidSettingsError(
            f"Listening on {host} needs an API key.",
            "Set TANDEM_SERVE_API_KEY (or store one with `tandem serve --store-key`).")


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InvalidSettingsError(f"Cannot listen on {host}:{port} ({exc.strerror}).",
                                   "Choose another port with --port.") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class TandemServer:
    """The engine worker plus a uvicorn server on a bound socket."""

    def __init__(self, spec: PairSpec, *, host: str = "127.0.0.1", port: int = 0,
                 model_name: str = "tandem", api_key: str | None = None,
                 allow_remote: bool = False, max_queue: int = 4,
                 loader: Callable[[PairSpec], Session] = load_for_serving) -> None:
        check_exposure(host, allow_remote, api_key)
        self.worker = EngineWorker(spec, max_queue=max_queue, loader=loader)
        self.sock = bind(host, port)
        self.host = host
        self.port = int(self.sock.getsockname()[1])
        app = build_app(self.worker, ServeConfig(model_name=model_name, api_key=api_key,
                                                 bound_host=host))
        config = uvicorn.Config(app, log_level="warning", access_log=False,
                                timeout_graceful_shutdown=2, lifespan="off")
        self.uvicorn = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def load(self) -> None:
        """Load the engine on its worker thread (raises the load error, if any)."""
        if not self.worker.ready.is_set():
            self.worker.start()

    def serve_forever(self) -> None:
        """Serve until Ctrl+C or SIGTERM (on the main thread), loading first if needed."""
        self.load()
        try:
            self.uvicorn.run(sockets=[self.sock])
        finally:
            self.worker.stop()
            self.sock.close()

    def start_in_thread(self, timeout_s: float = 30.0) -> None:
        """For tests and embedding: serve on a background thread until `shutdown`."""
        self.load()
        self._thread = threading.Thread(target=self.uvicorn.run,
                                        kwargs={"sockets": [self.sock]},
                                        name="tandem-serve-http", daemon=True)
        self._thread.start()
        started = threading.Event()
        for _ in range(int(timeout_s / 0.02)):
            if self.uvicorn.started:
                started.set()
                break
            started.wait(0.02)
        if not started.is_set():
            raise RuntimeError("the HTTP server did not start")

    def shutdown(self, timeout_s: float = 10.0) -> None:
        self.uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout_s)
        self.worker.stop()
        self.sock.close()
