"""Conversations on disk: one JSON file per conversation, saved atomically after every turn.

Each file is replaced whole (write temp, fsync, rename), so two app instances saving at
once never leave a torn file: the last writer of a conversation wins, and the listing is
checked against disk every time (an in-memory index re-reads only files whose size or
time changed). A file that fails to decode or validate is set aside (renamed with a
`.corrupt-<time>` suffix) and reported, never dropped silently; a file that cannot be
read right now (a sharing violation, too many open files, an I/O error) is retried, then
skipped with a message and left untouched.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app import paths
from app.core.atomic_file import atomic_write_json, set_aside
from app.core.conversation_index import ConversationIndex, ConversationSummary
from app.core.engine.types import Message

# A tint run over an answer's characters: (length, step index, draft tokens the step
# accepted, origin of these characters). The origin is ORIGIN_TARGET, ORIGIN_DRAFT or
# ORIGIN_LOOKUP; files written before lookup had its own origin hold a bool there, which
# reads as target (false) or draft (true), and an older Tandem reads 2 as draft.
TintRun = tuple[int, int, int, int]
ORIGIN_TARGET = 0  # the target's own token
ORIGIN_DRAFT = 1  # a draft model's token the target accepted
ORIGIN_LOOKUP = 2  # a prompt-lookup token (copied from the context) the target accepted


@dataclass
class Turn:
    """One message of a conversation, with the statistics, settings and tint of an answer."""
    role: str  # "user" or "assistant"
    content: str
    created: float = field(default_factory=time.time)
    stats: dict[str, Any] | None = None  # RunStats.to_dict() of the answer
    settings: dict[str, Any] | None = None  # pair, devices, generation settings
    tint: list[TintRun] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The turn as JSON-ready data; `from_dict` reads it back unchanged."""
        return {"role": self.role, "content": self.content, "created": self.created,
                "stats": self.stats, "settings": self.settings,
                "tint": [list(run) for run in self.tint]}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Turn:
        """A turn from `to_dict`'s data; raises ValueError when the role or text is missing or
        wrong."""
        if data["role"] not in ("user", "assistant") or not isinstance(data["content"], str):
            raise ValueError("a turn needs a role and text content")
        tint = [(int(a), int(b), int(c), int(d)) for a, b, c, d in data.get("tint") or []]
        return Turn(data["role"], data["content"], float(data.get("created", 0.0)),
                    data.get("stats"), data.get("settings"), tint)


@dataclass
class Conversation:
    """A chat: its title, system prompt and turns, with the times it was created and last saved."""
    id: str
    title: str
    system_prompt: str = ""
    turns: list[Turn] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    updated: float = field(default_factory=time.time)

    @staticmethod
    def new(title: str = "New chat") -> Conversation:
        """An empty conversation with a fresh id that sorts by creation time."""
        return Conversation(id=time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6],
                            title=title)

    def messages(self) -> tuple[Message, ...]:
        """The chat history the engine sees: the system prompt, then every turn."""
        out = [Message("system", self.system_prompt)] if self.system_prompt.strip() else []
        out += [Message(t.role, t.content) for t in self.turns]
        return tuple(out)

    def matches(self, query: str) -> bool:
        """Whether `query` (case-insensitive) is in the title or a turn; an empty query matches."""
        q = query.strip().lower()
        return not q or q in self.title.lower() or any(q in t.content.lower()
                                                        for t in self.turns)

    def summary(self) -> ConversationSummary:
        """What the chat list shows and searches for this conversation."""
        text = "\n".join([self.title, *(t.content for t in self.turns)]).lower()
        return ConversationSummary(self.id, self.title, self.created, self.updated,
                                   len(self.turns) // 2, text)

    def to_dict(self) -> dict[str, Any]:
        """The conversation as the JSON a file holds (version 1)."""
        return {"version": 1, "id": self.id, "title": self.title,
                "system_prompt": self.system_prompt, "created": self.created,
                "updated": self.updated, "turns": [t.to_dict() for t in self.turns]}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Conversation:
        """A conversation from `to_dict`'s data; raises ValueError when it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("id"), str):
            raise ValueError("not a conversation")
        return Conversation(id=data["id"], title=str(data.get("title", "Untitled")),
                            system_prompt=str(data.get("system_prompt", "")),
                            turns=[Turn.from_dict(t) for t in data.get("turns", [])],
                            created=float(data.get("created", 0.0)),
                            updated=float(data.get("updated", 0.0)))


READ_ATTEMPTS = 3
READ_RETRY_S = 0.05


class ConversationStore:
    """The conversation files in one folder (the user's by default), with an index that keeps
    listing cheap. A file that cannot be read is set aside and reported, never dropped."""
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or paths.conversations_dir()
        self.problems: list[str] = []  # sentences for the user about files set aside
        self._problems_lock = threading.Lock()
        self.index = ConversationIndex()

    def _path(self, conversation_id: str) -> Path:
        return self.folder / f"{conversation_id}.json"

    def add_problem(self, text: str) -> None:
        """Keep a sentence for the user (once) about a file set aside; thread-safe."""
        with self._problems_lock:
            if text not in self.problems:
                self.problems.append(text)

    def _read_bytes(self, path: Path) -> bytes | None:
        """The file's bytes; None when it is gone or cannot be read right now."""
        for attempt in range(READ_ATTEMPTS):
            try:
                return path.read_bytes()
            except FileNotFoundError:
                return None  # deleted by another instance meanwhile
            except OSError as exc:
                if attempt + 1 == READ_ATTEMPTS:
                    self.add_problem(
                        f"The conversation file {path.name} could not be read right now "
                        f"({exc.strerror or exc}); it was left as it is and will be tried "
                        "again next time the list is shown.")
                    return None
                time.sleep(READ_RETRY_S)
        return None

    def _read(self, path: Path) -> Conversation | None:
        raw = self._read_bytes(path)
        if raw is None:
            return None
        try:
            return Conversation.from_dict(json.loads(raw.decode("utf-8")))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            self._set_aside(path, exc)
            return None

    def _set_aside(self, path: Path, why: Exception) -> None:
        """Keep a file that is not a conversation under another name; never raises."""
        try:
            aside = set_aside(path)
        except OSError as exc:
            self.add_problem(f"The conversation file {path.name} is damaged ({why}) and could "
                          f"not be renamed ({exc.strerror or exc}); it is skipped, not deleted.")
            return
        self.index.drop(path)
        self.add_problem(f"The conversation file {path.name} could not be read ({why}); "
                      f"it was kept as {aside.name}.")

    def _summarize(self, path: Path) -> ConversationSummary | None:
        conversation = self._read(path)
        return conversation.summary() if conversation is not None else None

    def summaries(self, query: str = "") -> list[ConversationSummary]:
        """What the list shows, newest first (filtered by a search query). Thread-safe;
        reads only files changed since the last call."""
        if not self.folder.exists():
            return []
        found = self.index.scan(self.folder, self._summarize)
        return sorted((s for s in found if s.matches(query)), key=lambda s: -s.updated)

    def find(self, query: str = "") -> list[Conversation]:
        """Every readable conversation, newest first (filtered by a search query)."""
        if not self.folder.exists():
            return []
        found = [c for p in sorted(self.folder.glob("*.json")) if (c := self._read(p))]
        return sorted((c for c in found if c.matches(query)), key=lambda c: -c.updated)

    def load(self, conversation_id: str) -> Conversation | None:
        """The conversation with this id, or None when there is none (or the id is not a file
        name)."""
        if not conversation_id or Path(conversation_id).name != conversation_id:
            return None  # not an id this store made (e.g. a hand-edited settings file)
        return self._read(self._path(conversation_id))

    def save(self, conversation: Conversation) -> None:
        """Write the conversation atomically, stamping its update time."""
        conversation.updated = time.time()
        path = self._path(conversation.id)
        atomic_write_json(path, conversation.to_dict())
        self.index.put(path, conversation.summary())

    def rename(self, conversation_id: str, title: str) -> Conversation | None:
        """Give the conversation a new title (a blank one keeps the old) and save it; None when it
        is gone."""
        conversation = self.load(conversation_id)
        if conversation is not None:
            conversation.title = title.strip() or conversation.title
            self.save(conversation)
        return conversation

    def delete(self, conversation_id: str) -> None:
        """Remove the conversation's file, if there is one."""
        self._path(conversation_id).unlink(missing_ok=True)
        self.index.drop(self._path(conversation_id))

    def take_problems(self) -> list[str]:
        """The sentences kept for the user since the last call, once each."""
        with self._problems_lock:
            problems, self.problems = self.problems, []
        return problems


def title_from_prompt(prompt: str, limit: int = 48) -> str:
    """A one-line title from a prompt, cut with an ellipsis to at most `limit` characters."""
    line = " ".join(prompt.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def to_markdown(conversation: Conversation) -> str:
    """The conversation as Markdown: title, system prompt, each turn and each answer's summary
    line."""
    lines = [f"# {conversation.title}", ""]
    if conversation.system_prompt.strip():
        lines += [f"> System: {conversation.system_prompt.strip()}", ""]
    for turn in conversation.turns:
        lines += [f"## {'You' if turn.role == 'user' else 'Tandem'}", "", turn.content, ""]
        summary = (turn.stats or {}).get("summary")
        if summary:
            lines += [f"*{summary}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def to_json(conversation: Conversation) -> str:
    """The conversation as the JSON its file holds, indented."""
    return json.dumps(conversation.to_dict(), ensure_ascii=False, indent=1)
