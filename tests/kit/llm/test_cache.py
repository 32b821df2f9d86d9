"""ResponseCache: what it records and returns, its modes, and many writers on one file."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from array import array
from dataclasses import replace
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest

from scaffolder.errors import CacheMissError, UsageError
from scaffolder.kit.llm.cache import CacheStats, ResponseCache
from scaffolder.kit.llm.types import (
    AnswerTask,
    ChatRequest,
    Completion,
    EmbeddingRequest,
    Embeddings,
    Message,
    Passage,
    Usage,
)

PROVIDER = "openai"
REQUEST = ChatRequest(messages=(Message("user", "What is WAL mode?"),), model="gpt-4o-mini")
COMPLETION = Completion(
    text="Write-ahead logging.",
    model="gpt-4o-mini-2024-07-18",
    provider=PROVIDER,
    usage=Usage(prompt_tokens=12, completion_tokens=4),
    finish_reason="stop",
)
EMBEDDINGS = Embeddings(
    vectors=[[0.5, -1.25, 3.0], [0.0, 2.0, -0.125]],
    model="text-embedding-3-small",
    provider=PROVIDER,
    usage=Usage(prompt_tokens=7, completion_tokens=0),
)
WORKERS = 4
THREADS = 4
ENTRIES = 150


@pytest.fixture(autouse=True)
def no_cache_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COPILOT_LLM_CACHE", raising=False)
    monkeypatch.delenv("COPILOT_LLM_CACHE_PATH", raising=False)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "cache.sqlite3"


def test_completion_round_trip(db: Path) -> None:
    key = REQUEST.cache_key(PROVIDER)
    with ResponseCache(db) as cache:
        assert cache.get_completion(key, REQUEST.describe()) is None
        cache.put_completion(key, COMPLETION)
        found = cache.get_completion(key, REQUEST.describe())
        assert cache.stats == CacheStats(hits=1, misses=1, writes=1)
    assert found == Completion(
        text="Write-ahead logging.",
        model="gpt-4o-mini-2024-07-18",
        provider=PROVIDER,
        usage=Usage(prompt_tokens=12, completion_tokens=4),
        finish_reason="stop",
        cached=True,
    )


def test_completion_without_usage_round_trips_as_unknown_usage(db: Path) -> None:
    bare = Completion(text="", model="m", provider="p")
    with ResponseCache(db) as cache:
        cache.put_completion("k", bare)
        assert cache.get_completion("k", "x") == Completion(
            text="", model="m", provider="p", cached=True
        )


def test_embeddings_round_trip_as_float32(db: Path) -> None:
    key = EmbeddingRequest(texts=("a", "b"), model="text-embedding-3-small").cache_key(PROVIDER)
    with ResponseCache(db) as cache:
        cache.put_embeddings(key, EMBEDDINGS)
        found = cache.get_embeddings(key, "embedding request")
        cache.put_embeddings("rounded", Embeddings(vectors=[[0.1]], model="m", provider="p"))
        rounded = cache.get_embeddings("rounded", "embedding request")
        cache.put_embeddings("none", Embeddings(vectors=[], model="m", provider="p"))
        empty = cache.get_embeddings("none", "embedding request")
    assert found == Embeddings(
        vectors=[[0.5, -1.25, 3.0], [0.0, 2.0, -0.125]],
        model="text-embedding-3-small",
        provider=PROVIDER,
        usage=Usage(prompt_tokens=7, completion_tokens=0),
        cached=True,
    )
    assert rounded is not None and rounded.vectors == [array("f", [0.1]).tolist()]
    assert empty is not None and empty.vectors == []


def test_ragged_vectors_are_refused(db: Path) -> None:
    ragged = Embeddings(vectors=[[1.0, 2.0], [1.0]], model="m", provider="p")
    with ResponseCache(db) as cache, pytest.raises(ValueError, match="differ in length"):
        cache.put_embeddings("k", ragged)


def test_completions_and_embeddings_do_not_share_keys(db: Path) -> None:
    with ResponseCache(db) as cache:
        cache.put_completion("same", COMPLETION)
        assert cache.get_embeddings("same", "x") is None


def test_each_sample_is_its_own_entry(db: Path) -> None:
    second = ChatRequest(messages=REQUEST.messages, model=REQUEST.model, sample=1)
    assert second.cache_key(PROVIDER) != REQUEST.cache_key(PROVIDER)
    with ResponseCache(db) as cache:
        cache.put_completion(REQUEST.cache_key(PROVIDER), COMPLETION)
        cache.put_completion(second.cache_key(PROVIDER), Completion("Other.", "m", PROVIDER))
        first_found = cache.get_completion(REQUEST.cache_key(PROVIDER), "x")
        second_found = cache.get_completion(second.cache_key(PROVIDER), "x")
    assert first_found is not None and first_found.text == "Write-ahead logging."
    assert second_found is not None and second_found.text == "Other."


def test_the_first_recording_of_a_key_wins(db: Path) -> None:
    with ResponseCache(db) as cache:
        cache.put_completion("k", COMPLETION)
        cache.put_completion("k", Completion("later", "m", PROVIDER))
        found = cache.get_completion("k", "x")
        assert cache.stats.writes == 1
    assert found is not None and found.text == COMPLETION.text


def test_entries_persist_across_instances_with_their_metadata(db: Path) -> None:
    with ResponseCache(db) as cache:
        cache.put_completion("k", COMPLETION)
    with ResponseCache(db) as cache:
        assert cache.get_completion("k", "x") == replace(COMPLETION, cached=True)
    with sqlite3.connect(db) as connection:
        provider, model, created_at = connection.execute(
            "SELECT provider, model, created_at FROM completions"
        ).fetchone()
        journal_mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    connection.close()
    assert (provider, model) == (PROVIDER, "gpt-4o-mini-2024-07-18")
    assert created_at.endswith("+00:00")
    assert journal_mode == "wal"


def test_off_mode_never_touches_the_file(db: Path) -> None:
    with ResponseCache(db, mode="off") as cache:
        cache.put_completion("k", COMPLETION)
        cache.put_embeddings("k", EMBEDDINGS)
        assert cache.get_completion("k", "x") is None
        assert cache.get_embeddings("k", "x") is None
        assert cache.stats == CacheStats()
    assert not db.parent.exists()


def test_replay_only_answers_recorded_requests(db: Path) -> None:
    with ResponseCache(db) as cache:
        cache.put_completion("k", COMPLETION)
    with ResponseCache(db, mode="replay-only") as cache:
        found = cache.get_completion("k", "x")
        cache.put_completion("new", COMPLETION)
        assert cache.stats == CacheStats(hits=1, misses=0, writes=0)
    assert found is not None and found.cached
    with ResponseCache(db) as cache:
        assert cache.get_completion("new", "x") is None  # replay never recorded it


def test_replay_only_miss_names_the_request_and_how_to_record_it(db: Path) -> None:
    with ResponseCache(db) as cache:
        cache.put_completion("k", COMPLETION)
    with ResponseCache(db, mode="replay-only") as cache:
        with pytest.raises(CacheMissError) as caught:
            cache.get_completion("other", REQUEST.describe())
        with pytest.raises(CacheMissError, match="embedding request for 2 texts"):
            cache.get_embeddings("other", "embedding request for 2 texts")
    message = str(caught.value)
    assert "\n" not in message
    assert "chat request to gpt-4o-mini (sample 0)" in message
    assert "COPILOT_LLM_CACHE=read-write" in message
    assert str(db) in message


def test_replay_only_without_a_file_misses_and_creates_nothing(db: Path) -> None:
    with (
        ResponseCache(db, mode="replay-only") as cache,
        pytest.raises(CacheMissError, match="replay-only"),
    ):
        cache.get_completion("k", "x")
    assert not db.parent.exists()


def test_an_unknown_mode_is_refused(db: Path) -> None:
    with pytest.raises(ValueError, match="off, read-write, replay-only"):
        ResponseCache(db, mode="replay")  # type: ignore[arg-type]


def test_from_env_defaults(tmp_path: Path) -> None:
    cache = ResponseCache.from_env(tmp_path)
    assert cache.mode == "read-write"
    assert cache.path == tmp_path / ".copilot" / "llm-cache.sqlite3"


def test_from_env_reads_mode_and_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_LLM_CACHE", " Replay-Only ")
    monkeypatch.setenv("COPILOT_LLM_CACHE_PATH", "recordings/ci.sqlite3")
    cache = ResponseCache.from_env(tmp_path)
    assert cache.mode == "replay-only"
    assert cache.path == tmp_path / "recordings" / "ci.sqlite3"
    monkeypatch.setenv("COPILOT_LLM_CACHE_PATH", str(tmp_path / "elsewhere.sqlite3"))
    assert ResponseCache.from_env(tmp_path / "sub").path == tmp_path / "elsewhere.sqlite3"


def test_from_env_refuses_a_bad_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPILOT_LLM_CACHE", "readwrite")
    with pytest.raises(UsageError, match=r"^COPILOT_LLM_CACHE must be") as caught:
        ResponseCache.from_env(tmp_path)
    assert str(caught.value) == (
        "COPILOT_LLM_CACHE must be one of off, read-write, replay-only; got 'readwrite'"
    )


def test_hits_take_well_under_a_millisecond(db: Path) -> None:
    with ResponseCache(db) as cache:
        for index in range(100):
            cache.put_completion(str(index), COMPLETION)
        started = time.perf_counter()
        for round_ in range(10):
            for index in range(100):
                assert cache.get_completion(str(index), "x") is not None, round_
        per_hit = (time.perf_counter() - started) / 1000
    assert per_hit < 0.0005  # typically ~10 microseconds; generous for slow CI machines


def test_close_then_reuse_reopens(db: Path) -> None:
    cache = ResponseCache(db)
    cache.put_completion("k", COMPLETION)
    cache.close()
    cache.close()
    assert cache.get_completion("k", "x") is not None
    cache.close()


def _write_entries(path: str, worker: int, start: Barrier) -> None:
    """Several threads sharing one cache each write their entries, once every process is up."""
    cache = ResponseCache(Path(path))
    start.wait(timeout=60)

    def write(thread: int) -> None:
        for index in range(ENTRIES):
            key = f"{worker}-{thread}-{index}"
            cache.put_completion(key, Completion(key, "m", PROVIDER, Usage(index, thread)))
            cache.put_embeddings(key, Embeddings([[float(index), float(worker)]], "e", PROVIDER))

    threads = [threading.Thread(target=write, args=(thread,)) for thread in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.stats == CacheStats(writes=THREADS * ENTRIES * 2)  # no count lost to a race
    cache.close()


def _assert_every_entry_readable(path: Path, workers: range) -> None:
    with ResponseCache(path, mode="replay-only") as cache:
        for worker in workers:
            for thread in range(THREADS):
                for index in range(ENTRIES):
                    key = f"{worker}-{thread}-{index}"
                    completion = cache.get_completion(key, key)
                    embeddings = cache.get_embeddings(key, key)
                    assert completion is not None and completion.text == key
                    assert completion.usage == Usage(index, thread)
                    assert embeddings is not None
                    assert embeddings.vectors == [[float(index), float(worker)]]
    assert _count_and_check(path) == len(workers) * THREADS * ENTRIES


def _count_and_check(path: Path) -> int:
    """How many completions the file holds, after SQLite's own integrity check passes."""
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        count: int = connection.execute("SELECT count(*) FROM completions").fetchone()[0]
    finally:
        connection.close()
    return count


def test_processes_and_threads_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "cache.sqlite3"  # a new file: opening it races too
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WORKERS + 1)
    processes = [
        context.Process(target=_write_entries, args=(str(path), worker, start))
        for worker in range(WORKERS)
    ]
    for process in processes:
        process.start()
    _write_entries(str(path), WORKERS, start)  # this process writes alongside them
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * WORKERS
    _assert_every_entry_readable(path, range(WORKERS + 1))


def _open_and_write(path: str, worker: int, start: Barrier) -> None:
    cache = ResponseCache(Path(path))
    start.wait(timeout=60)
    cache.put_completion(str(worker), COMPLETION)
    cache.close()


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork start method"
)
def test_many_processes_creating_a_new_file_at_once(tmp_path: Path) -> None:
    """Switching a new file to WAL mode contends in a way SQLite's busy timeout does not
    cover; each round races a dozen processes on it (fork keeps the rounds cheap)."""
    context = multiprocessing.get_context("fork")
    for round_ in range(20):
        path = tmp_path / str(round_) / "cache.sqlite3"
        start = context.Barrier(12)
        processes = [
            context.Process(target=_open_and_write, args=(str(path), worker, start))
            for worker in range(12)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=60)
        assert [process.exitcode for process in processes] == [0] * 12, f"round {round_}"
        assert _count_and_check(path) == 12


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork start method"
)
def test_a_forked_child_opens_its_own_connection(db: Path) -> None:
    cache = ResponseCache(db)
    cache.put_completion("parent", COMPLETION)  # the connection is open before the fork
    # Fork while the cache is busy in another thread, as a web server forking workers may:
    # the child must neither reuse the parent's connection nor wait on its held lock.
    with cache._lock:
        child = multiprocessing.get_context("fork").Process(target=_use_inherited, args=(cache,))
        child.start()
    child.join(timeout=30)
    if child.exitcode is None:
        child.kill()
    assert child.exitcode == 0
    assert cache.get_completion("child", "x") is not None
    assert cache.get_completion("parent", "x") is not None  # the parent's connection still works
    cache.close()
    assert _count_and_check(db) == 2


def _use_inherited(cache: ResponseCache) -> None:
    assert cache._connection is None  # the parent's connection is set aside, never used
    assert cache.get_completion("parent", "x") is not None
    cache.put_completion("child", COMPLETION)
    cache.close()


def test_an_answer_requests_key_is_the_one_recorded_before_follow_ups_were_given() -> None:
    """Recordings are found by key: a new field of the answer task must not move the keys of
    requests recorded before it (this one was computed at 0.6.1), and what a follow-up
    follows is in its messages already."""
    task = AnswerTask("How do I reset it?", (Passage("1", "Hold the button.", "a.md"),))
    request = ChatRequest((Message("user", "How do I reset it?"),), task=task)
    assert request.cache_key("offline") == (
        "f3c9ad99b0e7d07a98e45cceeed787e4180daa7fdcc96efe7e1fa57d54f5fc3c"
    )
    follow_up = replace(request, task=replace(task, follows="Which lamp?"))
    assert follow_up.cache_key("offline") == request.cache_key("offline")


def test_a_passage_marked_as_the_opening_is_another_request() -> None:
    """The offline answer of a passage retrieval marks as the opening of the document the
    question only names is not the answer to the same passage unmarked: another key."""
    plain = Passage("1", "Fast, minimalist web framework.", "express.md")
    task = AnswerTask("What is express?", (plain,))
    request = ChatRequest((Message("user", "What is express?"),), task=task)
    opening = replace(request, task=replace(task, passages=(replace(plain, opening=True),)))
    assert opening.cache_key("offline") != request.cache_key("offline")
