# ruff: noqa: RUF001
# (The corpus is multilingual on purpose: its look-alike letters are real text.)
"""Token counting: the estimator's rules, that it never undercounts real tokenizers, which
encoding each model uses, and that choosing a counter never reaches for the network."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import tiktoken

from scaffolder.kit.llm import tokens
from scaffolder.kit.llm.tokens import (
    REPLY_PRIMING_TOKENS,
    TOKENS_PER_MESSAGE,
    TOKENS_PER_NAME,
    EstimatingCounter,
    TiktokenCounter,
    cached_encoding_path,
    counter_for,
    encoding_name_for,
    load_encoding,
    tiktoken_cache_dir,
)
from scaffolder.kit.llm.types import Message
from tests.kit.llm.encodings import PACKAGE, fill_cache

#: (name, cl100k_base tokens, o200k_base tokens, text): the counts were measured with
#: tiktoken 0.14.0 and the real encoding files, so the estimator is checked against real
#: tokenizers even where no encoding file is available; `test_recorded_counts_are_real`
#: re-measures them wherever one is.
CORPUS: list[tuple[str, int, int, str]] = [
    ("english", 11, 11, "The quarterly report shows that revenue grew by twelve percent."),
    ("english2", 11, 11, "However, churn rose again and the support backlog doubled."),
    ("long_words", 9, 9, "Internationalization is counterintuitively straightforward."),
    ("chat", 22, 21, "hey!! can u help w/ order #A-99812?? it hasn't moved... thx :)"),
    ("python", 21, 21, "def f(xs: list[int]) -> int:\n    return sum(x * x for x in xs)\n"),
    ("python2", 14, 14, "        if result and start <= result[-1][1]:\n            pass"),
    ("javascript", 18, 18, "const res = await fetch(`/api/v2/users/${id}?include=roles`);"),
    ("javascript2", 10, 11, 'return user?.profile?.displayName ?? "<anonymous>";'),
    ("json", 34, 34, '{"id": "c0a8012e-7f3b", "items": [{"qty": 3, "price": 19.99}]}'),
    ("shell", 27, 27, "grep -E '^(ERROR|WARN)\\s+[0-9]{4}' \"$f\" | awk '{print $3}'"),
    ("sql", 21, 21, "SELECT u.id, COUNT(o.id) FROM users u LEFT JOIN orders o ON 1=1;"),
    ("log", 36, 36, "2024-06-01T12:00:03.221Z ERROR [worker-7] req=4f9c2a1b t=30000ms"),
    ("markdown", 25, 25, "| `--port` | `8080` | HTTP port |\n> **Note:** see [docs](#install)"),
    ("url", 17, 17, "https://docs.example.com/api/v3/reference?lang=en-US#oauth2-flow"),
    ("identifiers", 11, 14, "getUserProfileByEmail XMLHttpRequest __init_subclass__ MAX_SIZE"),
    ("hex", 35, 35, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("uuid", 31, 31, "550e8400-e29b-41d4-a716-446655440000 f47ac10b-58cc-4372-a567"),
    ("base64", 33, 32, "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhf"),
    ("secret", 55, 52, "sk-proj-4fG7hK2LmN9pQ3rS8tV1wX6yZ0aBcDeF aB3xQ9zLk2 Mv8NpR4tYw"),
    ("numbers", 36, 36, "3.14159265358979 1,234,567.89 -0.000012 1e-9 0x1F4A 42 007"),
    ("whitespace", 15, 15, "a\n\n\n\nb\t\t\tc          d\r\n\r\ne    \n    \n        f   \t  g"),
    ("caps", 18, 19, "WARNING: THIS PRODUCT CONTAINS CHEMICALS KNOWN TO CALIFORNIA."),
    ("french", 22, 15, "« Où est la bibliothèque ? » demanda-t-elle, très inquiète."),
    ("german", 16, 12, "Die Straßenbahnhaltestelle liegt gegenüber dem Krankenhaus."),
    ("czech", 29, 22, "Příliš žluťoučký kůň úpěl ďábelské ódy."),
    ("vietnamese", 36, 21, "Tiếng Việt có nhiều dấu thanh: sắc, huyền, hỏi, ngã, nặng."),
    ("turkish", 20, 15, "Çalışanların şikâyetleri öğrencilerle ilgiliydi."),
    ("russian", 21, 13, "Пожалуйста, проверьте настройки подключения к базе данных."),
    ("ukrainian", 33, 19, "Ґрунтовні дослідження їжаків і єнотів показали."),
    ("greek", 64, 40, "Η γρήγορη καφέ αλεπού πηδάει. Ὦ ξεῖν', ἀγγέλλειν Λακεδαιμονίοις."),
    ("arabic", 29, 14, "يرجى التحقق من إعدادات الاتصال بقاعدة البيانات."),
    ("persian", 36, 14, "لطفاً تنظیمات اتصال به پایگاه داده را بررسی کنید."),
    ("hebrew", 36, 15, "אנא בדקו את הגדרות החיבור למסד הנתונים."),
    ("hindi", 45, 18, "कृपया डेटाबेस कनेक्शन सेटिंग्स की जाँच करें।"),
    ("bengali", 52, 14, "অনুগ্রহ করে ডাটাবেস সংযোগ পরীক্ষা করুন।"),
    ("tamil", 81, 24, "தயவுசெய்து தரவுத்தள இணைப்பு அமைப்புகளைச் சரிபார்க்கவும்."),
    ("thai", 34, 15, "กรุณาตรวจสอบการตั้งค่าการเชื่อมต่อฐานข้อมูล"),
    ("georgian", 84, 17, "გთხოვთ, შეამოწმოთ მონაცემთა ბაზასთან კავშირი."),
    ("armenian", 87, 15, "Խնդրում ենք ստուգել տվյալների բազայի միացումը։"),
    ("amharic", 81, 59, "እባክዎ የውሂብ ጎታ ግንኙነት ቅንብሮችን ያረጋግጡ።"),
    ("chinese", 12, 10, "请检查数据库连接设置并重新启动服务。"),
    ("chinese2", 22, 11, "机器学习模型的训练需要大量高质量的数据。"),
    ("chinese_traditional", 29, 16, "請檢查資料庫連線設定並重新啟動服務。"),
    ("japanese", 22, 17, "「認証に失敗しました」というメッセージが表示されます。"),
    ("korean", 26, 14, "데이터베이스 연결 설정을 확인하고 서비스를 다시 시작하십시오."),
    (
        "emoji",
        60,
        41,
        "Great job team 🎉🎉 🚀✨ 👩\u200d💻👨\u200d👩\u200d👧\u200d👦 🏳️\u200d🌈 ❤️ 👍🏽 🇯🇵",
    ),
    ("symbols", 42, 39, "∀x∈ℝ: x² ≥ 0 ⇒ √(x²) = |x| — “quotes” … © ™ ° µ Ω ∞ ≠ ≤ → ★"),
    ("box", 29, 29, "┌──────┬──────┐\n│ a    │ b    │\n└──────┴──────┘"),
    ("mixed", 22, 20, '用户 user_42 said: "这个 API 返回 HTTP 500 错误" и логи'),
]
ENCODINGS = ("cl100k_base", "o200k_base")
estimate = EstimatingCounter()


@pytest.fixture(autouse=True)
def nothing_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test decides for itself which encodings are on disk."""
    monkeypatch.setattr(tokens, "_loaded", {})


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Makes every way out of the machine raise, and records the attempts."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("this test must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def get_encoding_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records calls to tiktoken.get_encoding, which would download a missing file."""
    calls: list[str] = []

    def record(name: str) -> tiktoken.Encoding:
        calls.append(name)
        raise AssertionError(f"tiktoken.get_encoding({name!r}) called without a cached file")

    monkeypatch.setattr(tiktoken, "get_encoding", record)
    return calls


def byte_level_encoding(name: str) -> tiktoken.Encoding:
    """A real tiktoken encoding with no merges: one token per UTF-8 byte."""
    return tiktoken.Encoding(
        name,
        pat_str=r"\S+|\s+",
        mergeable_ranks={bytes([value]): value for value in range(256)},
        special_tokens={"<|endoftext|>": 256},
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("cat", 1),  # up to 4 letters: 1
        ("hello", 2),  # ceil(5/4)
        ("hello world", 4),  # the space joins "world"
        ("HTTP", 2),  # capitals: ceil(4/3)
        ("getHTTPServer", 5),  # get 1, HTTP 2, Server 2
        ("1234567", 3),  # digits in threes
        ("a 42", 3),  # a space before digits is a token of its own
        ("abc123", 4),  # letters among digits cost one each: 3 + 1
        ("foo();", 4),  # each symbol 1
        ("\n\n\n", 1),
        ("\r\n", 1),  # one newline
        (" " * 40 + "x", 4),  # ceil(40/16) + 1
        ("a\n    b", 4),  # a, newline, indentation, b
        ("привет", 6),  # Cyrillic: 1 a character
        ("é", 1),  # Latin-1: 1
        ("αβ", 4),  # Greek: 2
        ("你好", 4),  # CJK: 2
        (" 你", 3),  # a space before non-ASCII is not absorbed
        ("ა", 3),  # Georgian: 3
        ("😀", 3),  # outside the BMP: 3
    ],
)
def test_estimator_rules(text: str, expected: int) -> None:
    assert estimate.count(text) == expected


def test_message_overhead_is_counted() -> None:
    system = Message("system", "Be brief.")  # system 2, Be 1, brief 2, . 1
    user = Message("user", "hi")  # user 1, hi 1
    assert estimate.count_message(system) == TOKENS_PER_MESSAGE + 2 + 4
    assert estimate.count_message(user) == TOKENS_PER_MESSAGE + 1 + 1
    named = Message("user", "hi", name="bob")
    assert estimate.count_message(named) == estimate.count_message(user) + TOKENS_PER_NAME + 1
    assert estimate.count_messages([]) == REPLY_PRIMING_TOKENS
    assert estimate.count_messages([system, user]) == REPLY_PRIMING_TOKENS + 9 + 5


@pytest.mark.parametrize(
    ("cl100k", "o200k", "text"),
    [sample[1:] for sample in CORPUS],
    ids=[sample[0] for sample in CORPUS],
)
def test_estimate_never_undercounts_real_tokenizers(cl100k: int, o200k: int, text: str) -> None:
    real = max(cl100k, o200k)
    assert real <= estimate.count(text) <= 3 * real


@pytest.fixture(scope="session")
def real_encodings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A tiktoken cache holding the real encodings, rebuilt offline (`tests/kit/llm/encodings`)."""
    cache = tmp_path_factory.mktemp("tiktoken-real")
    return cache, fill_cache(cache)


def reachable(
    real_encodings: tuple[Path, list[str]], encoding_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point tiktoken's cache at the rebuilt files; without `encoding_name` there, skip, except
    in CI (CI=true), where a skip would hide that the real counts were never checked."""
    cache, written = real_encodings
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    if encoding_name not in written:
        reason = f"{encoding_name} cannot be rebuilt offline: install the dev extra ({PACKAGE})"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.mark.parametrize("encoding_name", ENCODINGS)
def test_real_encodings_load_offline(
    encoding_name: str,
    real_encodings: tuple[Path, list[str]],
    monkeypatch: pytest.MonkeyPatch,
    no_network: list[object],
) -> None:
    reachable(real_encodings, encoding_name, monkeypatch)
    assert cached_encoding_path(encoding_name) is not None, "tiktoken's own checksum holds"
    model = "gpt-4o" if encoding_name == "o200k_base" else "gpt-4"
    counter = counter_for(model)
    assert counter.exact and counter.name == f"tiktoken:{encoding_name}"
    assert no_network == []


@pytest.mark.parametrize("encoding_name", ENCODINGS)
def test_recorded_counts_are_real(
    encoding_name: str, real_encodings: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-measures the corpus with tiktoken itself and the real encoding files."""
    reachable(real_encodings, encoding_name, monkeypatch)
    encoding = load_encoding(encoding_name)
    assert encoding is not None, (
        f"{encoding_name} is not in tiktoken's cache ({tiktoken_cache_dir()})"
    )
    exact = TiktokenCounter(encoding)
    column = ENCODINGS.index(encoding_name) + 1
    for sample in CORPUS:
        name, text = sample[0], sample[3]
        assert exact.count(text) == sample[column], name
        assert estimate.count(text) >= exact.count(text), name


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("chatgpt-4o-latest", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("o1", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("o4-mini", "o200k_base"),
        ("ft:gpt-4o-mini:acme::abc123", "o200k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("GPT-4o", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-4-0613", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-35-turbo", "cl100k_base"),
        ("azure/gpt-35-turbo", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("text-embedding-ada-002", "cl100k_base"),
        ("claude-3-5-sonnet", None),
        ("llama3.1:8b", None),
        ("mistral-large", None),
        ("gpt-oss-20b", None),
        ("omni-model", None),
        ("offline", None),
    ],
)
def test_model_to_encoding(model: str, encoding: str | None) -> None:
    assert encoding_name_for(model) == encoding


@pytest.mark.usefixtures("empty_cache")
def test_uncached_encoding_means_estimate_without_network(
    no_network: list[object], get_encoding_calls: list[str]
) -> None:
    started = time.perf_counter()
    counter = counter_for("gpt-4o")
    counted = counter.count("hello world")
    elapsed = time.perf_counter() - started
    assert isinstance(counter, EstimatingCounter)
    assert (counter.name, counter.exact, counted) == ("estimate", False, 4)
    assert elapsed < 1.0
    assert no_network == [] and get_encoding_calls == []


def test_unknown_model_is_estimated(no_network: list[object]) -> None:
    counter = counter_for("claude-3-5-sonnet")
    assert not counter.exact and counter.name == "estimate"
    assert no_network == []


def url_file(cache: Path, url: str) -> Path:
    return cache / hashlib.sha1(url.encode()).hexdigest()


def test_damaged_cache_file_is_not_handed_to_tiktoken(
    empty_cache: Path, no_network: list[object], get_encoding_calls: list[str]
) -> None:
    """tiktoken deletes a file failing its checksum and downloads it again: never let it."""
    damaged = url_file(empty_cache, tokens._ENCODING_FILES["cl100k_base"].url)
    damaged.write_bytes(b"not an encoding\n")
    assert cached_encoding_path("cl100k_base") is None
    assert not counter_for("gpt-4").exact
    assert damaged.exists() and get_encoding_calls == [] and no_network == []


def test_cache_directory_follows_tiktoken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, get_encoding_calls: list[str]
) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert tiktoken_cache_dir() == tmp_path / "data-gym-cache"
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(tmp_path / "gym"))
    assert tiktoken_cache_dir() == tmp_path / "gym"
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tik"))
    assert tiktoken_cache_dir() == tmp_path / "tik"
    # An empty value turns tiktoken's cache off, so it would download every time.
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    assert tiktoken_cache_dir() is None
    assert not counter_for("gpt-4o").exact and get_encoding_calls == []


@pytest.fixture
def tiny_cached_encoding(empty_cache: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """Stands a small file in for cl100k_base's, cached under the name tiktoken would use."""
    content = b"a stand-in for an encoding file\n"
    url = "https://example.invalid/encodings/tiny.tiktoken"
    source = tokens._EncodingFile(url, hashlib.sha256(content).hexdigest())
    monkeypatch.setattr(tokens, "_ENCODING_FILES", {"cl100k_base": source})
    url_file(empty_cache, url).write_bytes(content)
    return content


def fake_get_encoding(
    monkeypatch: pytest.MonkeyPatch, make: Callable[[str], tiktoken.Encoding]
) -> list[str]:
    calls: list[str] = []

    def get_encoding(name: str) -> tiktoken.Encoding:
        calls.append(name)
        return make(name)

    monkeypatch.setattr(tiktoken, "get_encoding", get_encoding)
    return calls


@pytest.mark.usefixtures("tiny_cached_encoding")
def test_cached_intact_encoding_counts_exactly(
    monkeypatch: pytest.MonkeyPatch, no_network: list[object]
) -> None:
    calls = fake_get_encoding(monkeypatch, byte_level_encoding)
    counter = counter_for("gpt-4-turbo")
    assert isinstance(counter, TiktokenCounter)
    assert (counter.name, counter.exact) == ("tiktoken:cl100k_base", True)
    assert counter.count("héllo") == 6
    # Special-token text typed by a user is counted as text, not refused.
    assert counter.count("<|endoftext|>") == len("<|endoftext|>")
    assert counter_for("gpt-4").exact
    assert calls == ["cl100k_base"]  # loaded once, then reused
    assert not counter_for("gpt-4o").exact  # o200k_base is not cached
    assert no_network == []


@pytest.mark.usefixtures("tiny_cached_encoding")
def test_encoding_that_fails_to_load_falls_back_to_estimate(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(name: str) -> tiktoken.Encoding:
        raise ValueError(f"could not parse {name}")

    fake_get_encoding(monkeypatch, broken)
    with caplog.at_level(logging.WARNING, logger=tokens.__name__):
        counter = counter_for("gpt-4")
    assert not counter.exact
    assert "could not parse cl100k_base" in caplog.text


def test_without_the_offline_source_ci_fails_instead_of_skipping(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="install the dev extra"):
        reachable((tmp_path, []), "o200k_base", monkeypatch)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        reachable((tmp_path, []), "o200k_base", monkeypatch)
