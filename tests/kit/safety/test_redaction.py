"""Recall on a labelled set of identifiers and precision on benign text with look-alikes."""

from __future__ import annotations

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.safety.redaction import Redactor

#: (kind, identifier): each is embedded in a sentence and must be masked whole.
LABELLED = [
    ("email", "maria.gonzalez@acme-corp.example.com"),
    ("email", "billing+eu@lumen.example.org"),
    ("email", "J.Doe_99@sub.mail.example.co.uk"),
    ("phone", "+1 (415) 555-0172"),
    ("phone", "+44 20 7946 0958"),
    ("phone", "+44 7700 900123"),
    ("phone", "(212) 555-0188"),
    ("phone", "415-555-0199"),
    ("phone", "01 23 45 67 89"),
    ("phone", "+49 30 1234 5678"),
    ("phone", "030 1234 5678"),
    ("card", "4111 1111 1111 1111"),
    ("card", "4111111111111111"),
    ("card", "5500-0000-0000-0004"),
    ("card", "378282246310005"),
    ("card", "6011 0009 9013 9424"),
    ("iban", "DE89 3704 0044 0532 0130 00"),
    ("iban", "GB82WEST12345698765432"),
    ("iban", "FR14 2004 1010 0505 0001 3M02 606"),
    ("iban", "NL91ABNA0417164300"),
    ("iban", "CH9300762011623852957"),
    ("ip", "203.0.113.42"),
    ("ip", "10.0.0.1"),
    ("ip", "2001:db8:85a3::8a2e:370:7334"),
    ("ip", "fe80::1ff:fe23:4567:890a"),
    ("ip", "2001:0db8:0000:0000:0000:ff00:0042:8329"),
    ("secret", "sk-proj-Q8xv2LmN4pR7tY1wZ3aB6cD9eF0gH5jK"),
    ("secret", "sk-abcdefghijklmnopqrstuvwxyz012345"),
    ("secret", "AKIAIOSFODNN7EXAMPLE"),
    ("secret", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
    ("secret", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"),
    ("secret", "xoxb-123456789012-abcdefghijkl"),
    ("secret", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"),
    ("secret", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("secret", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.kT9nPq2vX8mW4zR1yL6cB3hJ0sD5fG7a"),
    ("secret", "glpat-xY7zW3vU9tS1rQ5pO2nM"),
]
SENTENCES = ["Contact: {} please.", "{}", "It is {}.", "see ({}) for details", "x={} y"]
#: (kind, text, value): `key = value` secrets mask only the value.
KEY_VALUE = [
    ("secret", "LUMEN_API_TOKEN=9f8e7d6c5b4a39281706e5d4", "9f8e7d6c5b4a39281706e5d4"),
    ("secret", 'password: "s3cr3t-Passw0rd!"', "s3cr3t-Passw0rd!"),
    ("secret", "client_secret = Zq8v1Lm3Np5Rt7Xy9Ab2", "Zq8v1Lm3Np5Rt7Xy9Ab2"),
    ("secret", "Authorization: Bearer abcdef0123456789ABCDEFxyz", "abcdef0123456789ABCDEFxyz"),
    ("secret", "postgres://app:hunter2hunter@db.internal:5432/main", "hunter2hunter"),
]  # fmt: skip
BENIGN = [
    "Release 4.12.3 shipped on 2026-11-27 at 10:30:00 UTC.",
    "Order 123456789 and invoice INV-2026-000123 are attached.",
    "The dashboard shows 1,250,000 events, up 12.5% on last week.",
    "ISBN 978-3-16-148410-0 is the second edition.",
    "Use x[1::2] to take every other item, or std::vector in C++.",
    "The password field is required; the token lifetime is 3600 seconds.",
    "Set api_key: see the docs, and secret = changeme in development.",
    "Between 2019 and 2024 usage grew from 12 to 480 teams.",
    "Ports 8080 and 5432 must be open; the MTU is 1500.",
    "The card number 1234 5678 9012 3456 in the screenshot is a placeholder.",
    "Call the function with timeout=30 and retries=5.",
    "Version v1.2.3.4 of the agent supports TLS 1.3.",
    "The hash is 3f786850e387550fdab836ed7e6dc881de23001b.",
    "Meet at 12:45, room B-204, on 27/11/2026.",
    "SKU-00042 costs $1,299.00 incl. VAT of 20%.",
    "The coordinates are 48.8566, 2.3522 in Paris.",
    "Ask at support in the app; we answer within 24 hours.",
]


@pytest.mark.parametrize(("kind", "identifier"), LABELLED)
def test_recall_on_labelled_identifiers(kind: str, identifier: str) -> None:
    redactor = Redactor()
    for sentence in SENTENCES:
        text = sentence.format(identifier)
        redacted = redactor.redact(text)
        assert redacted == sentence.format(f"[{kind.upper()}]"), (text, redacted)


@pytest.mark.parametrize(("kind", "text", "value"), KEY_VALUE)
def test_key_value_secrets_mask_the_value(kind: str, text: str, value: str) -> None:
    redacted = Redactor().redact(text)
    assert value not in redacted
    assert redacted == text.replace(value, f"[{kind.upper()}]")


def test_recall_is_complete_on_the_structured_kinds() -> None:
    redactor = Redactor()
    kinds = {kind for kind, _ in LABELLED}
    for kind in kinds:
        found = sum(
            redactor.counts(f"Contact: {identifier} please.")[kind]
            for k, identifier in LABELLED
            if k == kind
        )
        assert found == sum(1 for k, _ in LABELLED if k == kind), kind


def test_precision_on_benign_text() -> None:
    redactor = Redactor()
    flagged = [(text, redactor.redact(text)) for text in BENIGN if redactor.find(text)]
    assert flagged == []


def test_checksums_reject_look_alikes() -> None:
    redactor = Redactor()
    assert redactor.redact("4111 1111 1111 1112") == "4111 1111 1111 1112"  # fails Luhn
    assert redactor.redact("DE89 3704 0044 0532 0130 01") == "DE89 3704 0044 0532 0130 01"
    assert redactor.redact("999.168.1.1") == "999.168.1.1"


def test_team_patterns_are_redacted_first() -> None:
    redactor = Redactor({"customer_id": r"CUST-\d{6}"})
    assert redactor.redact("Ticket for CUST-004211.") == "Ticket for [CUSTOMER_ID]."


def test_a_bad_team_pattern_is_a_clear_error() -> None:
    with pytest.raises(UsageError, match="redact pattern bad is not a valid regex"):
        Redactor({"bad": "("})


def test_several_identifiers_in_one_text() -> None:
    text = "Mail a@b.example, card 4111111111111111, from 192.168.0.7, key AKIAIOSFODNN7EXAMPLE."
    assert Redactor().redact(text) == "Mail [EMAIL], card [CARD], from [IP], key [SECRET]."
