"""Sample inputs: a value for every declared input of a prompt, so it can be rendered
without real data (to count its tokens, check its final text, or show it to a reviewer).

Each input gets a stand-in of its declared type within its limits: the first of its
`choices`; strings print as `<name>` padded with filler words to a typical length; lists
hold a few stand-ins; structured values (passages with an id and a text) answer any
attribute or item with another stand-in that prints as `<passages.text>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from jinja2 import nodes

from scaffolder.kit.prompts.manifest import InputSpec

#: Length of sample strings for rendering: about a sentence or two of user text.
SAMPLE_TEXT_LENGTH = 100
#: Items in sample lists (passages, history turns...).
SAMPLE_ITEMS = 3


class SampleValue:
    """A stand-in for a structured value: any attribute or item is another stand-in, iterating
    gives one, and it prints as `<path>` padded to the sample length."""

    def __init__(self, label: str, length: int) -> None:
        self._label = label
        self._length = length

    def __getattr__(self, name: str) -> SampleValue:
        if name.startswith("_"):
            raise AttributeError(name)
        return SampleValue(f"{self._label}.{name}", self._length)

    def __getitem__(self, key: object) -> SampleValue:
        return SampleValue(f"{self._label}[{key}]", self._length)

    def __iter__(self) -> Iterator[SampleValue]:
        return iter([SampleValue(self._label, self._length)])

    def __str__(self) -> str:
        return sample_text(self._label, self._length)


def sample_text(label: str, length: int) -> str:
    """`<label>`, followed by filler words up to `length` characters."""
    text = f"<{label}>"
    while len(text) < length:
        text += " sample"
    return text[: max(length, len(f"<{label}>"))]


def sample_inputs(
    specs: Mapping[str, InputSpec],
    trees: Iterable[nodes.Template],
    *,
    text_length: int = SAMPLE_TEXT_LENGTH,
    items: int = SAMPLE_ITEMS,
) -> dict[str, object]:
    """A value of the declared type for every input, within its limits and choices."""
    trees = list(trees)
    values: dict[str, object] = {}
    for name, spec in specs.items():
        if spec.choices:
            values[name] = spec.choices[0]
            continue
        count = _clamp(items, spec)
        if spec.type == "str":
            text = sample_text(name, _clamp(text_length, spec))
            values[name] = text[: spec.max_length] if spec.max_length is not None else text
        elif spec.type in ("int", "float", "bool"):
            values[name] = {"int": 1, "float": 1.0, "bool": True}[spec.type]
        elif spec.type == "list":
            values[name] = [SampleValue(name, text_length) for _ in range(count)]
        elif spec.type == "dict":
            # Stand-ins do not survive the renderer's copy of dicts, so fill in the keys the
            # templates read, plus enough others to meet a minimum size.
            keys = sorted(_keys_read(trees, name))
            keys += [f"key{index}" for index in range(max(count - len(keys), 0))]
            values[name] = {key: SampleValue(f"{name}.{key}", text_length) for key in keys}
        else:
            values[name] = SampleValue(name, text_length)
    return values


def _clamp(size: int, spec: InputSpec) -> int:
    size = max(size, spec.min_length or 0)
    return min(size, spec.max_length) if spec.max_length is not None else size


def _keys_read(trees: list[nodes.Template], variable: str) -> set[str]:
    """Keys read from `variable` as `variable.key` or `variable["key"]` in any template."""
    keys: set[str] = set()
    for tree in trees:
        for node in tree.find_all(nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name == variable:
                keys.add(node.attr)
        for item in tree.find_all(nodes.Getitem):
            read = isinstance(item.node, nodes.Name) and item.node.name == variable
            if read and isinstance(item.arg, nodes.Const) and isinstance(item.arg.value, str):
                keys.add(item.arg.value)
    return keys
