"""What `adapt` reads in manuals of configuration files (settings, fields and keywords listed
as entries) and in collections of a few documents: the questions, the topic, the names."""

from __future__ import annotations

from pathlib import Path

from scaffolder.kit.adapt.corpus import read_corpus
from scaffolder.kit.adapt.questions import candidates, rank_questions
from scaffolder.kit.adapt.summaries import document_names
from scaffolder.kit.adapt.topic import derive_topic
from tests.kit.adapt.test_derivation import write_data

#: The layout `man` gives a configuration file's manual: entries indented seven columns,
#: their descriptions eleven, a word broken across lines with U+2010.
MOUNTTAB = """MOUNTTAB(5)                   File Formats                   MOUNTTAB(5)

NAME
       mounttab - where each disk of a workstation is mounted

DESCRIPTION
       Each line of the table describes one disk and the folder it is
       mounted on.

       nofail
           do not report errors for this disk if it is missing at boot.

       PASS_MAX_DAYS (number)
           The maximum number of days a password may be used before the
           workstation asks for a new one.

       Retries     How many times the mounter tries a slow disk before it
                   gives up on it.  The default is 3.

       Timeout=
           Takes a duration.  A disk that has not answered by then is skipped
           with a warning in the boot log, and its ar\u2010
           guments are kept for the next boot.

       Note that this file is used by the mounter at boot and on every
       remount of the workstation.

       Here is the order in which the mounter reads each line of the table.

CLASSES
       builtins.object
           mounttab.Entry
           mounttab.Table
           mounttab.Mounter

AVAILABILITY
       The mounttab command is part of the diskkit package, available from
       the project's archive of releases.
"""


def test_an_entry_of_a_manual_asks_what_its_term_means(tmp_path: Path) -> None:
    root = write_data(tmp_path / "project", {"mounttab.txt": MOUNTTAB})
    found = {c.question: c for c in candidates(read_corpus(root), per_document=None)}
    for term in ("nofail", "PASS_MAX_DAYS", "Retries", "Timeout="):
        question = f"What does {term} mean in mounttab?"
        assert question in found, sorted(found)
        candidate = found[question]
        assert candidate.sentence.startswith(term)
        assert candidate.key_phrase in candidate.sentence
        assert candidate.key_phrase.lower() not in question.lower()
    assert "The default is 3." in found["What does Retries mean in mounttab?"].sentence
    # A word broken at the end of a line is read whole, in the sentence and its key phrase.
    assert "its arguments are kept" in found["What does Timeout= mean in mounttab?"].sentence


def test_prose_class_trees_and_the_manual_s_own_colophon_ask_nothing(tmp_path: Path) -> None:
    """ "Note that this file is used ..." is a clause and "Here is the order ..." a pointer,
    not terms being defined; a class tree's root names its subclass, it does not describe it;
    where a program is available says nothing about what it does."""
    root = write_data(tmp_path / "project", {"mounttab.txt": MOUNTTAB})
    questions = [c.question for c in candidates(read_corpus(root), per_document=None)]
    assert not [q for q in questions if "note" in q.lower()], questions
    assert "What is here?" not in questions
    assert not [q for q in questions if "builtins" in q], questions
    assert not [q for q in questions if "availability" in q.lower()], questions


def test_a_few_documents_are_named_by_their_names_not_by_a_word_two_titles_share(
    tmp_path: Path,
) -> None:
    """Two of three titles say "static": that is no topic. And a title the document's summary
    says already is not said twice."""
    pages = {
        "fstab.txt": "NAME\n       fstab - static information about the filesystems\n\n"
        "DESCRIPTION\n       The file fstab contains descriptive information about disks.\n",
        "hosts.txt": "NAME\n       hosts - static table lookup for hostnames\n\n"
        "DESCRIPTION\n       This manual page describes the format of the hosts file.\n",
        "passwd.txt": "NAME\n       passwd - the password file\n\n"
        "DESCRIPTION\n       The passwd file is a text file with one record per line.\n",
    }
    root = write_data(tmp_path / "project", pages)
    topic = derive_topic(read_corpus(root))
    assert topic.name == "fstab, hosts and passwd"
    # Each is described once: its summary, not its title again.
    assert topic.description().count("static information about the filesystems") == 1


def test_the_document_at_the_top_keeps_its_name_beside_a_folder_s_namesake(
    tmp_path: Path,
) -> None:
    """A site's `index.md` and its guide's `guide/index.md`: the first is "index", not "data"
    (the folder every document is in)."""
    root = write_data(
        tmp_path / "project",
        {"index.md": "# Welcome\n\nThe handbook of the billing service and its tools.\n"},
    )
    (root / "data" / "guide").mkdir()
    (root / "data" / "guide" / "index.md").write_text(
        "# Guide\n\nHow to send the first invoice with the billing service.\n", encoding="utf-8"
    )
    corpus = read_corpus(root)
    names = dict(zip((d.source for d in corpus.documents), document_names(corpus), strict=True))
    assert names == {"data/index.md": "index", "data/guide/index.md": "guide"}


#: A command's manual: its options, and entries that are the grammar of its arguments.
PACKER = """PACKER(1)                     User Commands                     PACKER(1)

NAME
       packer - squeeze folders into archives

OPTIONS
       -k, --keep
              keep the folders after packing them into the archive

       -l, --level=N
              compress harder at a higher level, from one to nine

COMMANDS
       xq     squeeze every zygote record twice before it quibbles

       quorumjig
              splice the quibble into each zygote of the record

       P      print the archive's table before packing
"""


def test_a_command_s_manual_asks_about_its_options_before_its_other_entries(
    tmp_path: Path,
) -> None:
    """The entries' rare words made them outrank the options; and a one-letter entry is a
    script's grammar, not a setting."""
    root = write_data(tmp_path / "project", {"packer.txt": PACKER})
    corpus = read_corpus(root)
    kinds = [c.kind for c in rank_questions(corpus)[0]]
    assert kinds.count("option") == 2 and "entry" in kinds
    assert max(i for i, k in enumerate(kinds) if k == "option") < kinds.index("entry")
    every = [c.question for c in candidates(corpus, per_document=None)]
    assert "What does quorumjig mean in packer?" in every
    assert not [q for q in every if q.startswith("What does P ")], every
