"""Small text statistics: sample code for the copilot to explain, document, test and refactor.

The project's own tests (tests/test_copilot.py) send editor requests about this module. Keep it
while you try the copilot, then point those tests at a module of your own.
"""

from collections import Counter


def words(text: str) -> list[str]:
    """The lowercase words of `text`, punctuation dropped."""
    cleaned = "".join(c.lower() if c.isalnum() or c.isspace() else " " for c in text)
    return cleaned.split()


def word_count(text):
    return len(words(text))


def top_words(text, n=3):
    counts = Counter(words(text))
    result = []
    for word, _count in counts.most_common(n):
        result.append(word)
    return result


class Summary:
    """Counts of one text, computed once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.count = word_count(text)

    def describe(self):
        return f"{self.count} words; most common: {', '.join(top_words(self.text))}"
