"""Saved conversations survive a restart and come back with their citations."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from rag.chats import ChatStore, answer_from_json, answer_to_json
from rag.types import Answer, Citation

CITATION = Citation(
    n=1,
    source="a.txt",
    title="A",
    start=10,
    end=20,
    quote="0123456789",
    score=0.5,
    supported=False,
    context="xxxxx0123456789yyy",
    context_start=5,
)
ANSWER = Answer(
    text="It is so [1].",
    citations=(CITATION,),
    mode="llm",
    query="what is so",
    notice="fell back",
    unsupported_claims=1,
    timings_ms={"total": 12.5},
)


def test_an_answer_round_trips_with_its_passages() -> None:
    assert answer_from_json(answer_to_json(ANSWER)) == ANSWER


def test_an_answer_saved_by_another_version_still_loads() -> None:
    data = json.loads(answer_to_json(ANSWER))
    data["future_field"] = 1
    data["citations"][0]["future_field"] = 2
    del data["notice"]
    loaded = answer_from_json(json.dumps(data))
    assert loaded.citations[0].quote == CITATION.quote and loaded.notice == ""


def test_chats_persist_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    store = ChatStore(path)
    chat = store.create("", "What is so?")
    store.add_turn(chat, "", "What is so?", ANSWER)
    store.add_turn(chat, "", "And then?", Answer(text="The documents do not say.", abstained=True))

    reopened = ChatStore(path)
    [summary] = reopened.recent("")
    assert (summary.id, summary.title, summary.turns) == (chat, "What is so?", 2)
    turns = reopened.turns(chat, "")
    assert [t.question for t in turns] == ["What is so?", "And then?"]
    assert turns[0].answer == ANSWER and turns[1].answer.abstained


def test_the_most_recently_used_chat_is_listed_first(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "chats.sqlite3")
    first = store.create("", "first")
    second = store.create("", "second")
    store.add_turn(first, "", "first", ANSWER)
    assert store.recent("")[0].id == first
    assert {c.id for c in store.recent("")} == {first, second}


def test_each_user_sees_only_their_own_chats(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "chats.sqlite3")
    chat = store.create("alice", "secret question")
    store.add_turn(chat, "alice", "secret question", ANSWER)
    assert store.recent("bob") == []
    assert store.turns(chat, "bob") == []


def test_a_long_first_question_is_clipped_for_the_title(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "chats.sqlite3")
    store.create("", "word " * 50)
    title = store.recent("")[0].title
    assert len(title) == 60 and title.endswith("…")


def test_deleting_a_chat_removes_its_turns(tmp_path: Path) -> None:
    path = tmp_path / "chats.sqlite3"
    store = ChatStore(path)
    chat = store.create("", "q")
    store.add_turn(chat, "", "q", ANSWER)
    store.delete(chat, "")
    assert store.recent("") == []
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM turns").fetchone() == (0,)
