"""The manifest the qa-rag template ships: its sample's lines, recorded as derived.

Why: the first `copilot adapt` must know which lines are the sample's (the lamp) so it can
replace them, while keeping the safety suite's harmful, PII and injection cases, which hold for
any domain. So the template's `adapt.lock.json` lists exactly the domain-specific lines, as if
an earlier run had derived them. A test keeps the shipped file equal to `sample_manifest()`;
after editing the sample, write it again with `python -m scaffolder.kit.adapt.sample`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scaffolder.kit.adapt.derive import (
    BASELINE,
    DESCRIPTION,
    EXAMPLES,
    OUT_OF_SCOPE_EXAMPLES,
    QA,
    REPLY,
    ROUTING,
    SAFETY,
)
from scaffolder.kit.adapt.manifest import MANIFEST, Entry, Manifest, text_hash


def sample_manifest(template: Path) -> Manifest:
    manifest = Manifest(topic="the Lumen desk lamp")
    for path in (EXAMPLES, OUT_OF_SCOPE_EXAMPLES):
        lines = (template / path).read_text(encoding="utf-8").splitlines()
        manifest.files[path] = [
            Entry(f"sample-{text_hash(line)[:8]}", text_hash(line))
            for line in lines
            if line.strip() and not line.lstrip().startswith("#")
        ]
    for path in (QA, ROUTING, SAFETY):
        entries = []
        for line in (template / path).read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            data = json.loads(line)
            if "meta" in data:
                entries.append(Entry("meta", text_hash(line)))
            elif "id" in data and (path != SAFETY or _domain_specific(data)):
                entries.append(Entry(f"case:{data['id']}", text_hash(line)))
        manifest.files[path] = entries
    for path in (DESCRIPTION, REPLY, BASELINE):
        manifest.files[path] = [Entry(path, text_hash((template / path).read_text("utf-8")))]
    return manifest


def _domain_specific(case: dict[str, object]) -> bool:
    """Safety cases about the sample's domain: off-topic and benign ones, and the input hard
    negatives (allowed only because they are on topic)."""
    if case.get("category") in ("off-topic", "benign"):
        return True
    return case.get("stage") == "input" and case.get("expect") == "allow"


def main() -> None:  # pragma: no cover - a maintainer's tool
    template = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("templates/qa_rag")
    (template / MANIFEST).write_text(sample_manifest(template).to_text(), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    main()
