"""Saved conversations: a small SQLite file beside the index (``chats.sqlite3``).

Each answer is stored whole, citations with their passages included, so a chat
reopened after a restart shows the same cards and opens the same spans. Chats
belong to an owner (the logged-in user, "" without login).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .types import Answer, Citation

TITLE_CHARS = 60
_SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chats_by_owner ON chats (owner, updated_at);
CREATE TABLE IF NOT EXISTS turns (
    chat_id TEXT NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (chat_id, position)
);
"""


@dataclass(frozen=True)
class Turn:
    """One question of a conversation and its answer."""

    question: str
    answer: Answer


@dataclass(frozen=True)
class ChatSummary:
    id: str
    title: str
    updated_at: str
    turns: int


def answer_to_json(answer: Answer) -> str:
    return json.dumps(asdict(answer), ensure_ascii=False)


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    # Fields added or dropped by later versions must not make old chats unreadable.
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def answer_from_json(text: str) -> Answer:
    data = json.loads(text)
    citations = tuple(Citation(**_known(Citation, c)) for c in data.pop("citations", []))
    return Answer(citations=citations, **_known(Answer, data))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class ChatStore:
    """Conversations in one SQLite file; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A connection per call: short transactions, no connection shared across threads.
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            with db:
                yield db
        finally:
            db.close()

    def create(self, owner: str, first_question: str) -> str:
        chat_id = uuid.uuid4().hex
        title = " ".join(first_question.split())
        title = title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"
        now = _now()
        with self._lock, self._connect() as db:
            db.execute("INSERT INTO chats VALUES (?, ?, ?, ?, ?)", (chat_id, owner, title or "Untitled", now, now))
        return chat_id

    def add_turn(self, chat_id: str, owner: str, question: str, answer: Answer) -> None:
        now = _now()
        with self._lock, self._connect() as db:
            row = db.execute("SELECT 1 FROM chats WHERE id = ? AND owner = ?", (chat_id, owner)).fetchone()
            if row is None:
                raise KeyError(chat_id)
            (position,) = db.execute("SELECT COUNT(*) FROM turns WHERE chat_id = ?", (chat_id,)).fetchone()
            db.execute(
                "INSERT INTO turns VALUES (?, ?, ?, ?, ?)", (chat_id, position, question, answer_to_json(answer), now)
            )
            db.execute("UPDATE chats SET updated_at = ? WHERE id = ?", (now, chat_id))

    def recent(self, owner: str, limit: int = 50) -> list[ChatSummary]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.updated_at, COUNT(t.position) FROM chats c "
                "LEFT JOIN turns t ON t.chat_id = c.id WHERE c.owner = ? "
                "GROUP BY c.id ORDER BY c.updated_at DESC, c.rowid DESC LIMIT ?",
                (owner, limit),
            ).fetchall()
        return [ChatSummary(*row) for row in rows]

    def turns(self, chat_id: str, owner: str) -> list[Turn]:
        """The turns of a chat, oldest first (empty if it is not ``owner``'s)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT t.question, t.answer FROM turns t JOIN chats c ON c.id = t.chat_id "
                "WHERE t.chat_id = ? AND c.owner = ? ORDER BY t.position",
                (chat_id, owner),
            ).fetchall()
        return [Turn(question, answer_from_json(answer)) for question, answer in rows]

    def delete(self, chat_id: str, owner: str) -> None:
        with self._lock, self._connect() as db:
            db.execute("DELETE FROM chats WHERE id = ? AND owner = ?", (chat_id, owner))
