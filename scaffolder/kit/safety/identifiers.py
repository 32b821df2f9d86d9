"""Checks that tell a real identifier from a number that merely looks like one.

A regular expression finds candidates; these checks keep only those that pass the identifier's
own integrity rule (Luhn for card numbers, ISO 7064 mod-97 for IBANs, the address grammar for
IP addresses, character entropy for secrets), which is what keeps order numbers, dates and
version strings out of redaction.
"""

from __future__ import annotations

import ipaddress
import math
from collections import Counter

#: IBAN lengths by country (ISO 13616 registry), for the countries copilot users mostly meet;
#: other countries are accepted at any length from 15 to 34 when the checksum holds.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AT": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "CH": 21, "CY": 28,
    "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22,
    "GI": 23, "GL": 18, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27,
    "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
    "NL": 18, "NO": 15, "PL": 28, "PT": 25, "QA": 29, "RO": 24, "SA": 24, "SE": 24, "SI": 19,
    "SK": 24, "SM": 27, "TR": 26, "UA": 29,
}  # fmt: skip


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number carries in its last digit."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(compact: str) -> bool:
    """ISO 13616: the country's length (when known) and the mod-97 check equal to 1."""
    compact = compact.upper()
    if not (15 <= len(compact) <= 34 and compact[:2].isalpha() and compact[2:4].isdigit()):
        return False
    expected = IBAN_LENGTHS.get(compact[:2])
    if expected is not None and expected != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    if not rearranged.isalnum():
        return False
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


def ipv6_valid(candidate: str) -> bool:
    """A real IPv6 address with enough hex digits to identify a host; `1::2` (a Python slice)
    and `::1` (loopback) are left alone."""
    try:
        ipaddress.IPv6Address(candidate)
    except ValueError:
        return False
    return sum(char.isalnum() for char in candidate) >= 4


def entropy(value: str) -> float:
    """Shannon entropy in bits per character: keys and tokens are near-random, words are not."""
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_secret(value: str) -> bool:
    """Whether the value of a `key=value` pair looks generated rather than written: long enough
    and either near-random or a mix of letters and digits ("required" and "see docs" are not)."""
    if len(value) < 8:
        return False
    mixed = any(c.isalpha() for c in value) and any(c.isdigit() for c in value)
    return entropy(value) >= 3.5 or (mixed and entropy(value) >= 2.5)
