"""The symbol index: definitions of Python (ast) and JavaScript/TypeScript (scan) with their
lines, looked up by name and file, rebuilt per index generation, incrementally and atomically;
names in a request's text resolved through it."""

from __future__ import annotations

import json
import shutil
import sysconfig
from pathlib import Path

import pytest

from scaffolder.kit.retrieval.ingest import ingest
from scaffolder.kit.retrieval.store import open_store
from scaffolder.kit.settings import CopilotSettings
from scaffolder.kit.sources import SourceMap
from scaffolder.kit.symbols.index import SYMBOLS_FILE, SymbolIndex, SymbolTable, build
from scaffolder.kit.symbols.mentions import named_code
from scaffolder.kit.symbols.source import file_symbols, indexed_symbols

STDLIB = Path(sysconfig.get_paths()["stdlib"])
JS = """'use strict';
// a { brace in a comment
const quote = "{";
function parse(args, opts) {
  if (quote) { return 1; }
  return 2;
}

export default class Parser extends Base {
  constructor(opts) {
    super(opts);
  }
  static create(a,
      b) {
    return new Parser(a);
  }
}
const isAny = c => c.value === ''
const add = (a, b) => {
  return a + b;
};
exports.split = function (s) {
  return s.split(',');
};
Parser.prototype.reset = function () {
  this.x = 0;
};
export interface Options { a: number }
"""


def test_javascript_definitions_and_where_they_end() -> None:
    found = {(s.qualname, s.kind): (s.start_line, s.end_line) for s in file_symbols("a.js", JS)}
    assert found == {
        ("parse", "function"): (4, 7),
        ("Parser", "class"): (9, 17),
        ("Parser.constructor", "method"): (10, 12),
        ("Parser.create", "method"): (13, 16),
        ("isAny", "function"): (18, 18),
        ("add", "function"): (19, 21),
        ("split", "function"): (22, 24),
        ("Parser.reset", "method"): (25, 27),
        ("Options", "class"): (28, 28),
    }


def test_python_lines_are_the_def_line_and_module_names_are_indexed() -> None:
    text = "import x\n\n@decorate\ndef f():\n    pass\n\nalias = f\n"
    symbols = {s.qualname: s for s in indexed_symbols("m.py", text) or []}
    assert (symbols["f"].start_line, symbols["f"].end_line) == (3, 5)  # decorator included
    assert symbols["alias"].kind == "variable" and symbols["alias"].start_line == 7
    assert indexed_symbols("notes.md", "# x\n") is None


def table(
    files: dict[str, str], previous: SymbolIndex | None = None
) -> tuple[SymbolIndex, list[str]]:
    read: list[str] = []

    def reader(name: str) -> str | None:
        read.append(name)
        return files[name]

    hashes = {name: str(hash(text)) for name, text in files.items()}
    return build("g1", hashes, reader, previous), read


def test_a_rebuild_reads_only_the_files_whose_ingest_hash_changed() -> None:
    files = {"repo/a.py": "def a():\n    pass\n", "repo/b.js": JS, "repo/README.md": "# x\n"}
    first, read = table(files)
    assert sorted(read) == ["repo/a.py", "repo/b.js"]  # not the README: no definitions there
    files["repo/a.py"] = "\n\ndef a():\n    pass\n\ndef c():\n    pass\n"
    second, read = table(files, first)
    assert read == ["repo/a.py"]
    assert [d.location for d in second.lookup("a")] == ["repo/a.py:3"]
    assert second.lookup("parse")[0].file == "repo/b.js"
    del files["repo/b.js"]
    third, _ = table(files, second)
    assert third.lookup("parse") == []  # a file that left the index leaves the table


def test_lookup_and_files_by_their_ending() -> None:
    index, _ = table({"json/decoder.py": (STDLIB / "json" / "decoder.py").read_text()})
    assert index.find_files("decoder.py") == ["json/decoder.py"]
    assert index.find_files("coder.py") == []  # a path ending, not any suffix
    assert index.lookup("JSONDecoder.decode")[0].kind == "method"
    assert index.lookup("jsondecoder")[0].name == "JSONDecoder"  # case only when nothing exact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what does decoder.py:70 do", "function py_scanstring"),
        ("explain json/decoder.py:340", "method JSONDecoder.decode"),
        ("decoder.py::JSONDecoder::raw_decode", "method JSONDecoder.raw_decode"),
        ("add a docstring to `py_scanstring` in json/decoder.py", "function py_scanstring"),
        ("Where is scanstring defined?", "variable scanstring"),
        ("How does JSONDecoder.raw_decode skip whitespace?", "method JSONDecoder.raw_decode"),
        ("what calls py_scanstring()", "function py_scanstring"),
        ("explain json/decoder.py", "file json/decoder.py"),
    ],
)
def test_names_in_the_text(text: str, expected: str) -> None:
    index, _ = table({"json/decoder.py": (STDLIB / "json" / "decoder.py").read_text()})
    found = named_code(text, index)
    assert found and found[0].describe().startswith(expected), found


@pytest.mark.parametrize(
    "text",
    ["where is the party tonight?", "What is the capital of Australia?", "see parser.py:12"],
)
def test_words_that_name_nothing_in_the_index(text: str) -> None:
    index, _ = table({"json/decoder.py": (STDLIB / "json" / "decoder.py").read_text()})
    assert named_code(text, index) == []


def test_a_windows_style_path_is_parsed_from_the_right() -> None:
    index, _ = table({"json/decoder.py": (STDLIB / "json" / "decoder.py").read_text()})
    found = named_code(r"look at C:\work\json\decoder.py:70", index)
    assert found == [] or found[0].file == "json/decoder.py"


def test_the_table_follows_the_index_generation_and_is_saved_atomically(tmp_path: Path) -> None:
    project = tmp_path / "bot"
    project.mkdir()
    (project / "pyproject.toml").write_text('[tool.copilot]\nembedding_model = "local"\n')
    repo = tmp_path / "jsonlib"
    shutil.copytree(STDLIB / "json", repo, ignore=shutil.ignore_patterns("__pycache__"))
    settings = CopilotSettings.load(project, env_file=None)
    store = open_store(settings, project)
    sources = SourceMap.of(project, ["../jsonlib"])
    ingest([repo], project, store, sources=sources)
    symbols = SymbolTable(project, store, sources)
    first = symbols.current()
    assert first.lookup("py_scanstring")[0].location == "jsonlib/decoder.py:69"
    saved = json.loads((project / SYMBOLS_FILE).read_text())
    assert saved["generation"] == first.generation
    assert not [p for p in (project / SYMBOLS_FILE).parent.iterdir() if p.name.startswith(".")]
    # Another process reads the saved table; an ingest after an edit rebuilds it.
    decoder = repo / "decoder.py"
    decoder.write_text("# moved\n" + decoder.read_text())
    assert SymbolTable(project, store, sources).current().generation == first.generation
    ingest([repo], project, store, sources=sources)
    again = SymbolTable(project, store, sources).current()
    assert again.generation != first.generation
    assert again.lookup("py_scanstring")[0].location == "jsonlib/decoder.py:70"
    # A table of another generation on disk is never used.
    stale = json.loads((project / SYMBOLS_FILE).read_text())
    stale["generation"] = "other"
    (project / SYMBOLS_FILE).write_text(json.dumps(stale))
    assert SymbolTable(project, store, sources).current().lookup("py_scanstring")
