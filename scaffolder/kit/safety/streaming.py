"""Output guards over whole answers and over streams, with one set of span guards.

A span guard (guard list, offline content filter, redactor) finds objectionable spans in a
text. For a whole answer they all run once. For a stream, text is released only once no guard
can still find a span reaching into it: the stream is cut at the last whitespace (a word may be
unfinished) and each guard holds back its window before that (a spaced-out phrase or a spaced
IBAN may be unfinished too). A phrase split across chunks is therefore seen whole before any of
it reaches the user, and a block stops the stream before the offending words are released.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from scaffolder.kit.safety.decisions import (
    OUTPUT_REFUSAL,
    Finding,
    GuardDecision,
    Verdict,
    merge_counts,
)
from scaffolder.kit.safety.redaction import apply

#: Characters kept before the release point so boundary checks see what precedes new text.
CONTEXT = 32
#: Text without any whitespace is released anyway past this length (a long URL or blob).
MAX_PENDING = 4096


class SpanGuard(Protocol):
    """Finds spans to block or redact; `hold_from` says where a stream must stop releasing."""

    def find(self, text: str) -> list[Finding]: ...

    def hold_from(self, text: str) -> int: ...


def _non_overlapping(findings: list[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -f.end)):
        if not kept or finding.start >= kept[-1].end:
            kept.append(finding)
    return kept


def scan(guards: Sequence[SpanGuard], text: str, refusal: str = OUTPUT_REFUSAL) -> Verdict:
    """Check a whole answer: blocked if any guard blocks, else redacted where guards redact."""
    findings = [finding for guard in guards for finding in guard.find(text)]
    blocking = [finding for finding in findings if finding.action == "block"]
    if blocking:  # nothing of a blocked answer is passed on, not even by mistake
        return Verdict(refusal, tuple(merge_counts(blocking)), refusal)
    redactions = _non_overlapping(findings)
    return Verdict(apply(text, redactions), tuple(merge_counts(redactions)), refusal)


class StreamGuard:
    """Feed it the chunks of an answer; it returns what is safe to show so far.

    After a block, `blocked` is the finding that fired and nothing more is released.
    """

    def __init__(self, guards: Sequence[SpanGuard], refusal: str = OUTPUT_REFUSAL) -> None:
        self.guards = list(guards)
        self.refusal = refusal
        self.blocked: Finding | None = None
        self._applied: list[Finding] = []
        self._buffer = ""
        self._released = 0

    def feed(self, text: str) -> str:
        """Text now safe to show ("" while holding back, and after a block)."""
        self._buffer += text
        return self._advance(final=False)

    def finish(self) -> str:
        """The rest of the answer, once the stream has ended."""
        return self._advance(final=True)

    @property
    def decisions(self) -> tuple[GuardDecision, ...]:
        found = [self.blocked] if self.blocked else self._applied
        return tuple(merge_counts(found))

    def verdict(self, text: str = "") -> Verdict:
        return Verdict(text, self.decisions, self.refusal)

    def _cut(self, final: bool) -> int:
        buffer = self._buffer
        if final or len(buffer) - self._released > MAX_PENDING:
            return len(buffer)
        space = max(buffer.rfind(" "), buffer.rfind("\n"), buffer.rfind("\t"))
        return max(space + 1, self._released)

    def _advance(self, *, final: bool) -> str:
        if self.blocked:
            return ""
        cut = self._cut(final)
        if cut <= self._released and not final:
            return ""
        start = max(0, self._released - CONTEXT)
        region = self._buffer[start:cut]
        release_to = cut
        if not final:
            holds = [start + guard.hold_from(region) for guard in self.guards]
            release_to = max(self._released, min([cut, *holds]))
        pending: list[Finding] = []
        for guard in self.guards:
            for found in guard.find(region):
                finding = _shifted(found, start)
                if finding.start < self._released:
                    continue  # seen in context only: it was dealt with when released
                if not final and finding.end >= cut:
                    release_to = min(release_to, finding.start)  # may still grow
                elif finding.action == "block":
                    self.blocked = finding
                    return ""
                else:
                    pending.append(finding)
        redactions = _non_overlapping(pending)
        for finding in redactions:  # never release half of a span to redact
            if finding.start < release_to < finding.end:
                release_to = finding.start
        applied = [finding for finding in redactions if finding.end <= release_to]
        released = self._buffer[self._released : release_to]
        safe = apply(released, [_shifted(f, -self._released) for f in applied])
        self._applied.extend(applied)
        self._released = release_to
        self._trim()
        return safe

    def _trim(self) -> None:
        """Forget released text beyond the context window (applied findings keep their old
        offsets: they only feed decisions from here on)."""
        drop = max(0, self._released - CONTEXT)
        if drop:
            self._buffer = self._buffer[drop:]
            self._released -= drop


def _shifted(finding: Finding, offset: int) -> Finding:
    return Finding(
        finding.start + offset,
        finding.end + offset,
        finding.guard,
        finding.action,
        finding.category,
        finding.severity,
        finding.reason,
        finding.replacement,
    )
