"""Questions that only name a document: "What is grep?", "What is express?", "What is npm ci?".

Usage: python benchmarks/names.py --reuse DIR [--domains manpages pydoc npm mixed npmcli stdlib]

DIR holds the projects an `answerability.py --keep DIR` run built. For every document in a
project's `data/`, "What is <name>?" (the file name without its suffix, `-` and `_` read as
spaces: `npm-ci.md` is "npm ci") is asked through the copilot, in this process, as
`copilot ask --json` asks it. Nobody chose these questions: one per document, the same form
for each. Reported per domain: answered (not declined), the first passage is the named
document's opening (its first chunk: a man page's NAME, a module's pydoc header, a README's
first lines), and the answer cites the named document; then each miss.

Why: a new user's first question about a document is often what it is, and its answer is in
its first lines, which need not repeat its name (a README's tagline).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.answerability import BUILDERS, asker_in, cited_sources, cites_document

DOMAINS = tuple(BUILDERS)


@dataclass
class Tally:
    domain: str
    documents: int = 0
    answered: int = 0
    opening_first: int = 0
    cited: int = 0
    misses: list[str] = field(default_factory=list)

    def row(self) -> str:
        n = self.documents
        return (
            f"| {self.domain} | {self.answered}/{n} | {self.opening_first}/{n} | {self.cited}/{n} |"
        )


def first_chunk_line(path: Path, root: Path) -> int:
    """Where the document's first chunk starts (after front matter, for example)."""
    from scaffolder.kit.retrieval.loaders import iter_chunks

    first = next(iter_chunks(path, root), None)
    return first.start_line if first is not None else 1


def _first_line(citation: str) -> int:
    """The first line a citation names ("data/ls.txt, lines 1-40", "data/x.md, line 3")."""
    found = re.search(r"lines? (\d+)", citation.rsplit(", ", 1)[-1])
    return int(found.group(1)) if found else 0


def run(domain: str, project: Path) -> Tally:
    ask = asker_in(project)
    tally = Tally(domain)
    for path in sorted((project / "data").iterdir()):
        if not path.is_file():
            continue
        name = path.stem.replace("-", " ").replace("_", " ")
        reply = ask(f"What is {name}?", None)
        sources = reply["sources"]
        assert isinstance(sources, list)
        tally.documents += 1
        answered = not reply["declined"]
        first = sources[0] if sources else None
        opening = (
            first is not None
            and first["source"] == f"data/{path.name}"
            and _first_line(first["citation"]) == first_chunk_line(path, project)
        )
        cited = answered and cites_document(cited_sources(reply), path.stem)
        tally.answered += answered
        tally.opening_first += opening
        tally.cited += cited
        if not (answered and opening and cited):
            where = first["citation"] if first is not None else "no passage"
            text = str(reply["text"])[:100].replace("\n", " ")
            tally.misses.append(f"- What is {name}? first passage {where} -> {text!r}")
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", type=Path, required=True)
    parser.add_argument("--domains", nargs="+", default=list(DOMAINS), choices=DOMAINS)
    args = parser.parse_args()
    tallies = [run(domain, args.reuse.resolve() / f"{domain}bot") for domain in args.domains]
    print("| domain | answered | first passage is the document's opening | cites it |")
    print("| --- | ---: | ---: | ---: |")
    for tally in tallies:
        print(tally.row())
    for tally in tallies:
        if tally.misses:
            print(f"\n{tally.domain}:")
            print("\n".join(tally.misses))


if __name__ == "__main__":
    main()
