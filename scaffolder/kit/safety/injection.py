"""Prompt-injection heuristics, for what users type and for what retrieval brings back.

Each rule names one technique (overriding instructions, forging a system turn, asking for the
hidden prompt, smuggling data out through a link...) and carries a weight; a text's severity
is the sum of the weights of the techniques it uses, capped at 7. User input blocks from 4;
retrieved documents are held to a stricter 3, because a document has no business addressing
the assistant at all. Base64 blobs are decoded and checked too.

These are heuristics: they catch the common phrasings (in English, plus "ignore the
instructions" in French, Spanish, German and Italian) and miss novel ones. The second line of
defence is structural: retrieved text is fenced as data (`fencing.fence_document`).
"""

from __future__ import annotations

import base64
import binascii
import re

from scaffolder.kit.safety.decisions import SEVERITY_MAX, GuardDecision
from scaffolder.kit.safety.normalize import fold

GUARD = "injection"
USER_BLOCK_AT = 4
DOCUMENT_BLOCK_AT = 3

_TARGET = (
    r"(instructions?|prompts?|rules|directions|guidelines|guardrails|context|messages?|"
    r"commands|constraints|polic(y|ies)|programming)"
)
#: (technique, weight, pattern on folded text)
RULES: tuple[tuple[str, int, str], ...] = (
    ("instruction-override", 5,
     rf"\b(ignore|disregard|forget|override|bypass|skip|drop|abandon)\b[\w\s,']{{0,40}}?\b"
     rf"(all |any |the |your |previous |prior |above |earlier |preceding |original |system "
     rf"|initial |developer |safety )+{_TARGET}\b"),
    ("instruction-override", 5,
     r"\b(ignor(e|ez|a|iere|ieren|are))\b.{0,40}\b(instructions?|instrucciones|anweisungen|"
     r"consignes|istruzioni|indicaciones)\b"),
    ("instruction-override", 4,
     r"\bforget (everything|all)( (you|that)( were|'ve been| have been)? (told|said|know|"
     r"learned))?\b"),
    ("new-instructions", 4,
     r"\b(new|updated|real|actual|true|revised|override) (instructions?|system prompt|rules|"
     r"directives?)\s*(:|-|are\b)"),
    ("role-hijack", 3, r"\byou are (now|no longer)\b|\bfrom now on,? you (are|will|must)\b"),
    ("role-hijack", 5,
     r"\b(act|behave|pretend|roleplay|respond) (as|like) (if you (are|were) )?(an? )?"
     r"(unrestricted|unfiltered|uncensored|evil|jailbroken|amoral|dan)\b"),
    ("jailbreak-persona", 4,
     r"\b(dan|do anything now|developer mode|god mode|jailbreak(ed)?|jailbroken|stan|aim)\b"
     r"(?= mode|\b.{0,40}\b(enabled|activated|unlocked|prompt))|\bdo anything now\b|"
     r"\bjailbreak(ed)?\b"),
    ("no-restrictions", 3,
     r"\bwithout (any )?(restrictions|filters|filtering|limits|limitations|censorship|rules|"
     r"guidelines|safety)\b|\bno (ethical|moral|content|safety) (guidelines|restrictions|"
     r"filters|limits|rules)\b"),
    ("prompt-exfiltration", 5,
     r"\b(reveal|show|print|repeat|output|display|tell me|leak|dump|spell out|give me|what "
     r"(is|are|were)|list|recite|copy)( me)? (your|the) (full |entire |exact |complete )?"
     r"(system|initial|original|hidden|secret|developer|internal|confidential) (prompt|"
     r"instructions|message|rules|guidelines|configuration)\b"),
    ("prompt-exfiltration", 4,
     r"\b(repeat|print|output|echo|reproduce|copy) (everything|all|the (text|words|"
     r"instructions|content)) (above|before|so far|preceding)\b|\bwhat were you told\b"),
    ("prompt-exfiltration", 2, r"\byour (system )?prompt\b"),
    ("forged-role-marker", 5, r"<\|?(im_start|im_end|system|endoftext|eot_id|start_header_id)\|?>"),
    ("forged-role-marker", 4,
     r"(?m)^\s*(#{2,}|\[|\*\*)\s*(system|assistant|developer|instructions?)\s*(\]|:|\*\*)"),
    ("forged-role-marker", 4, r"\[/?inst\]|<</?sys>>"),
    ("forged-role-marker", 3, r"</?(system|instructions?|document|context|sources?|data)>"),
    # An image whose address carries a slot for data (an empty or placeholder value, or a
    # parameter that names what to send): rendering it sends the data. A README's badges
    # (`badge.svg?style=flat&logo=npm`) carry fixed values and send nothing, and they open
    # most READMEs: flagged, every README's first passage was dropped as an injection.
    ("data-exfiltration", 4,
     r"!\[[^\]]*\]\(https?://[^)\s?]*\?[^)\s]*?(?:\b(?:conversation|chat|history|messages?|"
     r"secrets?|passwords?|credentials?|prompt|user|e?mail|data|answer|context|summary)\b[^)\s=]*"
     r"=|=(?:[)&]|[^)\s&]*(?:[{\[<$]|%7b|%5b|%3c|%24)))"),
    ("data-exfiltration", 4,
     r"\b(send|post|forward|upload|email|transmit|leak)\b.{0,40}\b(conversation|chat history|"
     r"this chat|the above|user('s)? (data|details|messages)|credentials|api keys?|passwords?"
     r")\b.{0,40}\b(to|at)\b"),
    ("addresses-assistant", 3,
     r"\b(if|when) you are an? (ai|llm|language model|assistant|chatbot|bot)\b|"
     r"\b(ai|assistant|chatbot|llm|language model)s? (reading|processing|summari[sz]ing) "
     r"this\b|\bnote to (the )?(ai|assistant|llm|chatbot|model)\b"),
    ("addresses-assistant", 3,
     r"\b(when|if|once) (you|the assistant|the model) (read|see|process)s? this\b"),
    ("covert-action", 4,
     r"\bdo not (tell|inform|mention|reveal (this )?to|let) (the )?user\b|"
     r"\bwithout (telling|informing) the user\b"),
    ("covert-action", 3,
     r"\binstead,? (you )?(must|should|will) (say|respond|answer|reply|tell|output|write)\b"),
)  # fmt: skip
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])")


class InjectionGuard:
    """Scores a text by the injection techniques it uses; blocks at `block_at`."""

    def __init__(self, *, block_at: int = USER_BLOCK_AT, name: str = GUARD) -> None:
        self.block_at = block_at
        self.name = name
        self._rules = [(technique, weight, re.compile(p)) for technique, weight, p in RULES]

    def techniques(self, text: str) -> dict[str, int]:
        """The techniques `text` uses, with their weights (decoded base64 included)."""
        found = self._scan(fold(text))
        for blob in _BASE64.findall(text):
            decoded = _decode(blob)
            if decoded:
                for technique, weight in self._scan(fold(decoded)).items():
                    found[f"base64:{technique}"] = weight
        return found

    def _scan(self, folded: str) -> dict[str, int]:
        found: dict[str, int] = {}
        for technique, weight, pattern in self._rules:
            if weight > found.get(technique, 0) and pattern.search(folded):
                found[technique] = weight
        return found

    def severity(self, text: str) -> int:
        return min(SEVERITY_MAX, sum(self.techniques(text).values()))

    def check(self, text: str) -> list[GuardDecision]:
        found = self.techniques(text)
        severity = min(SEVERITY_MAX, sum(found.values()))
        if severity < self.block_at:
            return []
        reason = f"techniques: {', '.join(sorted(found))} (severity {severity})"
        return [GuardDecision(self.name, "block", "jailbreak", severity, reason)]


def _decode(blob: str) -> str | None:
    """The text a base64 blob holds, when it holds printable text."""
    try:
        raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return text if text.isprintable() or all(c.isprintable() or c.isspace() for c in text) else None
