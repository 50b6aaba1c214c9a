"""What the conversation list needs from each saved file (title, times, searchable text),
kept in memory and keyed by the file's size and modification time, so that listing and
searching re-read only files that changed since the last look (issue 13 item 10)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Stamp = tuple[int, int]  # (mtime_ns, size)


@dataclass(frozen=True)
class ConversationSummary:
    """What the chat list needs of a conversation, without its turns."""
    id: str
    title: str
    created: float
    updated: float
    exchanges: int
    text: str  # title and every turn, lower-cased, for search

    def matches(self, query: str) -> bool:
        """Whether `query` (case-insensitive) is in the title or a turn; an empty query matches."""
        q = query.strip().lower()
        return not q or q in self.text


def stamp_of(path: Path) -> Stamp | None:
    """The file's modification time and size, or None when it cannot be read."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class ConversationIndex:
    """Thread-safe: the GUI thread saves while a worker thread lists or searches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[Stamp, ConversationSummary]] = {}

    def put(self, path: Path, summary: ConversationSummary) -> None:
        """Record the summary of the file just written (dropped if the file is gone)."""
        stamp = stamp_of(path)
        with self._lock:
            if stamp is None:
                self._entries.pop(path.name, None)
            else:
                self._entries[path.name] = (stamp, summary)

    def drop(self, path: Path) -> None:
        """Forget the file's summary."""
        with self._lock:
            self._entries.pop(path.name, None)

    def scan(self, folder: Path,
             summarize: Callable[[Path], ConversationSummary | None]) -> list[ConversationSummary]:
        """Every conversation in `folder`; only new or changed files are read again."""
        try:
            names = sorted(e.name for e in os.scandir(folder)
                           if e.name.endswith(".json") and not e.name.startswith("."))
        except OSError:
            return []
        found: list[ConversationSummary] = []
        for name in names:
            path = folder / name
            stamp = stamp_of(path)
            if stamp is None:
                continue
            with self._lock:
                known = self._entries.get(name)
            if known is not None and known[0] == stamp:
                found.append(known[1])
                continue
            summary = summarize(path)
            with self._lock:
                if summary is None:
                    self._entries.pop(name, None)
                else:
                    self._entries[name] = (stamp, summary)
            if summary is not None:
                found.append(summary)
        with self._lock:
            for gone in set(self._entries) - set(names):
                del self._entries[gone]
        return found
