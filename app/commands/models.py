"""`tandem models list | pull | add | verify | rm | du`: the model store from a terminal."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO, TypeVar

from app.core.store.events import CancelledError, CancelToken, Progress

T = TypeVar("T")
MB = 2**20


def _size(n: int) -> str:
    if n >= 2**30:
        return f"{n / 2**30:.1f} GB"
    return f"{n / MB:.1f} MB"


class TerminalProgress:
    """One status line, redrawn in place on a terminal; a line per step otherwise."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last = ""
        self._last_key: tuple[str, str, str] = ("", "", "")
        self._last_decile = -1
        self._last_time = 0.0
        self._lock = threading.Lock()

    @staticmethod
    def format(event: Progress) -> str:
        side = f"[{event.side}] " if event.side else ""
        parts = [f"{side}{event.message}"]
        if event.bytes_total:
            parts.append(f"{_size(event.bytes_done)} of {_size(event.bytes_total)}")
        if event.files_total:
            parts.append(f"{event.files_done}/{event.files_total} files")
        if event.fraction is not None:
            parts.append(f"{event.fraction:.0%}")
        return ", ".join(parts)

    def __call__(self, event: Progress) -> None:
        text = self.format(event)
        with self._lock:
            if self.tty:
                now = time.monotonic()
                key = (event.stage, event.side, event.message)
                if key == self._last_key and now - self._last_time < 0.1 \
                        and event.fraction != 1.0:
                    return
                self._last_key, self._last_time = key, now
                pad = max(0, len(self._last) - len(text))
                self.stream.write("\r" + text + " " * pad)
                self._last = text
            else:
                decile = int((event.fraction or 0) * 10)
                # A conversion's clock ticks (" · 12 s of about 60 s") are not new lines.
                key = (event.stage, event.side, event.message.split(" · ")[0])
                if key == self._last_key and decile == self._last_decile:
                    return
                self._last_key, self._last_decile = key, decile
                self.stream.write(text + "\n")
            self.stream.flush()

    def done(self) -> None:
        with self._lock:
            if self.tty and self._last:
                self.stream.write("\n")
                self.stream.flush()
            self._last = ""


def run_cancellable(job: Callable[[CancelToken], T], progress: TerminalProgress) -> T:
    """Run a store job on a worker thread; Ctrl+C cancels it and waits for it to stop."""
    token = CancelToken()
    outcome: dict[str, Any] = {}
    # Waiting on an Event, not Thread.join: a join interrupted by Ctrl+C can later return
    # before the thread has finished, and the job's clean-up would be cut short at exit.
    finished = threading.Event()

    def work() -> None:
        try:
            outcome["result"] = job(token)
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            finished.set()

    threading.Thread(target=work, name="tandem-store", daemon=True).start()
    try:
        while not finished.wait(0.2):
            pass
    except KeyboardInterrupt:
        token.cancel()
        progress.done()
        print("Cancelling... (finished files are kept)", file=sys.stderr, flush=True)
        try:
            finished.wait(120)
        except KeyboardInterrupt:
            pass
        raise CancelledError() from None
    progress.done()
    if "error" in outcome:
        raise outcome["error"]
    result: T = outcome["result"]
    return result


def _report(result: Any) -> int:
    record = result.record
    if not result.ok:
        print(f"{record.id}: not ready.", file=sys.stderr)
        for problem in result.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"{record.id}: ready ({record.name})")
    print(f"  target: {record.target}")
    print(f"  draft:  {record.draft}  (tokenizer: {record.tokenizers})")
    for note in (*record.notes, *record.differences):
        print(f"  note: {note}")
    if record.universal:
        print("  The draft has another tokenizer: this pair runs as a universal draft "
              "(Tandem's own loop; CPU or GPU, not the NPU).")
    print(f"Use it with: tandem generate --pair {record.id} \"Hello!\"")
    return 0


def _cancelled() -> int:
    print("Cancelled. Run the same command again to resume.", file=sys.stderr)
    return 130


def cmd_pull(args: argparse.Namespace) -> int:
    from app.core.store.pull import pull

    progress = TerminalProgress()
    try:
        result = run_cancellable(lambda token: pull(args.pair, progress, token), progress)
    except CancelledError:
        return _cancelled()
    return _report(result)


def cmd_add(args: argparse.Namespace) -> int:
    from app.core.store.pull import add, suggest_draft

    draft = args.draft
    if not draft:
        draft, arch = suggest_draft(args.target)
        print(f"No --draft given: using {draft}, the catalog's default draft for "
              f"{arch} models.")
    progress = TerminalProgress()
    try:
        result = run_cancellable(
            lambda token: add(args.target, draft, args.name, progress, token,
                              target_weights=args.target_weights,
                              draft_weights=args.draft_weights), progress)
    except CancelledError:
        return _cancelled()
    return _report(result)


def cmd_verify(args: argparse.Namespace) -> int:
    from app.core.store.verify import verify

    progress = TerminalProgress()
    try:
        result = run_cancellable(lambda token: verify(args.pair, progress, token), progress)
    except CancelledError:
        return _cancelled()
    if result.ok:
        print(f"{args.pair}: verified (hashes match, both models load).")
        return 0
    return _report(result)


def cmd_rm(args: argparse.Namespace) -> int:
    from app.core.store.hub import hub_settings
    from app.core.store.pull import remove

    removed = remove(args.pair)
    print(f"Removed {args.pair}.")
    for key in removed:
        print(f"  deleted {key}")
    print(f"Downloads stay in the Hugging Face cache ({hub_settings().cache_dir}).")
    return 0


def cmd_du(args: argparse.Namespace) -> int:
    from app import paths
    from app.core.store.pull import disk_use

    use = disk_use()
    print(f"Model store: {paths.models_dir()}")
    for key, size, users in use.folders:
        used_by = ", ".join(users) if users else "no pair"
        print(f"  {_size(size):>10}  {key}  ({used_by})")
    if use.staging_bytes:
        print(f"  {_size(use.staging_bytes):>10}  unfinished work (.staging)")
    print(f"  {_size(use.total_bytes):>10}  total")
    print(f"Hugging Face cache: {use.hf_cache}  {_size(use.hf_cache_bytes)}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from app.core.catalog import load_catalog
    from app.core.store.status import pair_statuses

    catalog = load_catalog()
    for problem in catalog.problems:
        print(f"models.toml: {problem}", file=sys.stderr)
    rows = pair_statuses(catalog)
    if args.json:
        print(json.dumps({"pairs": [r.to_dict() for r in rows],
                          "problems": [str(p) for p in catalog.problems]}, indent=2))
        return 0
    width = max((len(r.id) for r in rows), default=4)
    for row in rows:
        extra = f"  [{'; '.join(row.flags)}]" if row.flags else ""
        gb = row.download_gb
        size = "" if not gb else f"{gb:.1f} GB" if gb >= 0.1 else f"{gb * 1024:.0f} MB"
        print(f"{row.id:<{width}}  {row.status:<18} {size:>8}  {row.name}{extra}")
    return 0


def register(sub: Any) -> None:
    models = sub.add_parser("models", help="the model catalog and store: list, pull, add, "
                                           "verify, rm, du")
    msub = models.add_subparsers(dest="models_command", required=True)
    p = msub.add_parser("list", help="catalog pairs and stored pairs, with their status")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=cmd_list)
    p = msub.add_parser("pull", help="download (and convert) a catalog pair, then verify it")
    p.add_argument("pair", help="a pair id from `tandem models list`")
    p.set_defaults(handler=cmd_pull)
    p = msub.add_parser("add", help="make a pair from two folders, GGUF files or Hugging "
                                    "Face repos")
    p.add_argument("--target", required=True, help="a folder (OpenVINO IR or a checkpoint), "
                                                   "a .gguf file or a repo id")
    p.add_argument("--draft", help="the same for the draft (default: the catalog's draft for "
                                   "the target's architecture)")
    p.add_argument("--name", help="a name for the pair (its id is made from it)")
    p.add_argument("--target-weights", choices=("int4", "int8", "fp16"),
                   help="when the target is converted (default int4)")
    p.add_argument("--draft-weights", choices=("int4", "int8", "fp16"),
                   help="when the draft is converted (default int4)")
    p.set_defaults(handler=cmd_add)
    p = msub.add_parser("verify", help="re-hash a stored pair and load both models")
    p.add_argument("pair")
    p.set_defaults(handler=cmd_verify)
    p = msub.add_parser("rm", help="remove a stored pair (and folders no other pair uses)")
    p.add_argument("pair")
    p.set_defaults(handler=cmd_rm)
    msub.add_parser("du", help="disk used by the store and the Hugging Face cache"
                    ).set_defaults(handler=cmd_du)
