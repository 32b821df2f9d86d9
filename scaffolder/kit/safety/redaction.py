"""Finding and masking identifiers: e-mail, phone, card numbers, IBANs, IP addresses, secrets,
and whatever identifiers a team defines.

Why regular expressions plus checks instead of a model: this runs on every answer, every
streamed chunk and every captured telemetry message, offline, in well under a millisecond per
kilobyte. Structured identifiers have integrity rules (Luhn, mod-97, address grammar) that make
regex detection precise; free-text PII such as names and street addresses is out of reach of
this approach and is not attempted (a team can add patterns for its own identifier formats).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from scaffolder.errors import UsageError
from scaffolder.kit.safety.decisions import Finding
from scaffolder.kit.safety.identifiers import iban_valid, ipv6_valid, looks_secret, luhn_valid

GUARD = "redaction"
#: What an identifier reads as once masked, by kind.
LABELS = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "card": "[CARD]",
    "iban": "[IBAN]",
    "ip": "[IP]",
    "secret": "[SECRET]",
}
#: The longest identifier that may contain spaces (a spaced IBAN or phone number, a `key = `
#: prefix): what a stream holds back so one split across chunks is still seen whole.
STREAM_WINDOW = 64


@dataclass(frozen=True)
class _Detector:
    kind: str
    pattern: re.Pattern[str]
    #: Keeps a candidate, or returns the (start, end) actually to mask within the match.
    check: Callable[[re.Match[str]], tuple[int, int] | None]


def _whole(match: re.Match[str]) -> tuple[int, int] | None:
    return match.span()


def _group(match: re.Match[str]) -> tuple[int, int] | None:
    """The secret value of a `key = value` match, when it looks generated."""
    return match.span(1) if looks_secret(match.group(1)) else None


def _card(match: re.Match[str]) -> tuple[int, int] | None:
    digits = re.sub(r"\D", "", match.group())
    ok = 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits)
    return match.span() if ok else None


def _iban(match: re.Match[str]) -> tuple[int, int] | None:
    """The longest prefix of the candidate that is a valid IBAN: a candidate may run on into
    the next word or number."""
    text = match.group()
    for end in range(len(text), 0, -1):
        if text[end - 1] != " " and iban_valid(text[:end].replace(" ", "")):
            return match.start(), match.start() + end
    return None


_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")


def _phone(match: re.Match[str]) -> tuple[int, int] | None:
    text = match.group()
    digits = sum(char.isdigit() for char in text)
    international = text.startswith("+")
    if not (8 if international else 9) <= digits <= 15:
        return None
    if _DATE.match(text) and not international:
        return None
    return match.span()


def _ipv6(match: re.Match[str]) -> tuple[int, int] | None:
    return match.span() if ipv6_valid(match.group()) else None


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_SECRET_KEYS = (
    r"api[_-]?key|apikey|secret(?:[_-]?key)?|access[_-]?key(?:[_-]?id)?|client[_-]?secret|"
    r"auth[_-]?token|access[_-]?token|refresh[_-]?token|token|password|passwd|pwd|"
    r"private[_-]?key"
)
_KNOWN_SECRETS = "|".join(
    (
        r"sk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_-]{20,}",  # OpenAI / Anthropic
        r"(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}",  # AWS access key ids
        r"gh[pousr]_[A-Za-z0-9]{36,255}",  # GitHub tokens
        r"github_pat_[A-Za-z0-9_]{22,255}",
        r"glpat-[A-Za-z0-9_-]{20,}",  # GitLab
        r"xox[abprs]-[A-Za-z0-9-]{10,}",  # Slack
        r"AIza[0-9A-Za-z_-]{35}",  # Google API keys
        r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}",  # Stripe
        r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",  # JWT
    )
)
_PRIVATE_KEY_BEGIN = re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----")

_BUILT_IN: tuple[_Detector, ...] = (
    _Detector(
        "secret",
        re.compile(
            r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----[\s\S]*?-----END (?:[A-Z]+ )*PRIVATE KEY-----"
        ),
        _whole,
    ),
    _Detector("secret", re.compile(rf"(?<![\w-])(?:{_KNOWN_SECRETS})(?![\w-])"), _whole),
    _Detector(
        "secret",
        re.compile(
            rf"(?i)(?<![a-z0-9])(?:[a-z0-9]+[_-])*(?:{_SECRET_KEYS})(?![a-z0-9])[\"']?\s*[:=]\s*"
            rf"[\"']?([^\s\"'`,;]{{8,}})",
        ),
        _group,
    ),
    _Detector("secret", re.compile(r"\bBearer\s+([A-Za-z0-9._~+/-]{16,}=*)"), _group),
    _Detector("secret", re.compile(r"://[^\s:/@]+:([^\s@/]{4,})@"), lambda m: m.span(1)),
    _Detector("card", re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])"), _card),
    _Detector("iban", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,34}"), _iban),
    _Detector(
        "email",
        re.compile(
            r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}(?![\w-])"
        ),
        _whole,
    ),
    _Detector("ip", re.compile(rf"(?<![\w.])(?:{_OCTET}\.){{3}}{_OCTET}(?!\w|\.\d)"), _whole),
    _Detector(
        "ip",
        re.compile(r"(?<![\w:])(?=[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:)[0-9A-Fa-f:]{3,39}(?![\w:])"),
        _ipv6,
    ),
    _Detector(
        "phone",
        re.compile(
            r"(?<![\w+/.-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}"
            r"(?:[\s.-]\d{2,6}){1,5}(?![\w/-]|\.\d)"
        ),
        _phone,
    ),
)


class Redactor:
    """Finds and masks identifiers. `patterns` adds a team's own, by name, e.g.
    `{"customer_id": r"CUST-\\d{6}"}` masks matches as `[CUSTOMER_ID]`.

    Overlaps are resolved by priority: team patterns first, then secrets, cards, IBANs,
    e-mail, IP addresses and phone numbers, so an IP address is never also read as a phone.
    """

    name = GUARD
    window = STREAM_WINDOW

    def __init__(self, patterns: Mapping[str, str] | None = None) -> None:
        custom = []
        for kind, expression in (patterns or {}).items():
            try:
                compiled = re.compile(expression)
            except re.error as error:
                raise UsageError(f"redact pattern {kind} is not a valid regex: {error}") from error
            custom.append(_Detector(kind, compiled, _whole))
        self._detectors = (*custom, *_BUILT_IN)

    def find(self, text: str) -> list[Finding]:
        taken: list[tuple[int, int]] = []
        findings = []
        for detector in self._detectors:
            for match in detector.pattern.finditer(text):
                span = detector.check(match)
                if span is None or span[0] == span[1]:
                    continue
                start, end = span
                if any(start < other_end and other_start < end for other_start, other_end in taken):
                    continue
                taken.append(span)
                findings.append(
                    Finding(
                        start,
                        end,
                        GUARD,
                        "redact",
                        "pii",
                        3,
                        f"{detector.kind} redacted",
                        replacement=LABELS.get(detector.kind, f"[{detector.kind.upper()}]"),
                    )
                )
        return sorted(findings, key=lambda finding: finding.start)

    def redact(self, text: str) -> str:
        """`text` with every identifier masked."""
        return apply(text, self.find(text))

    def redact_all(self, value: object) -> object:
        """`value` (JSON-like: dicts, lists, tuples, strings, numbers) with every string in
        it redacted, keys aside: a reply's sources and data go out whole, so nothing in them
        may carry what the answer text has masked."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {key: self.redact_all(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.redact_all(item) for item in value)
        return value

    def counts(self, text: str) -> Counter[str]:
        """How many identifiers of each kind `text` holds (for tests and reports)."""
        return Counter(f.replacement.strip("[]").lower() for f in self.find(text))

    def hold_from(self, text: str) -> int:
        """Where a stream must stop releasing: the window, or an unterminated private key."""
        hold = max(0, len(text) - STREAM_WINDOW)
        for begin in _PRIVATE_KEY_BEGIN.finditer(text):
            if "PRIVATE KEY-----" not in text[begin.end() :]:
                hold = min(hold, begin.start())
        return hold


def apply(text: str, findings: list[Finding]) -> str:
    """`text` with each finding's span replaced by its replacement (spans must not overlap)."""
    pieces = []
    position = 0
    for finding in sorted(findings, key=lambda f: f.start):
        pieces.append(text[position : finding.start])
        pieces.append(finding.replacement)
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)
