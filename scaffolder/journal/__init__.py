"""All-or-nothing changes to several files: a rollback journal, as SQLite keeps one.

No system call replaces several files at once, and a command can be stopped between any two
of its writes: by Ctrl-C, by a closed terminal (SIGHUP), by `kill` (SIGTERM), by `kill -9` or
a power cut. So a `FileTransaction` first saves the *before-image* of every file it will touch
(its bytes and mode, or the fact that it did not exist) into a journal folder, flushes them to
disk, and marks the journal complete with one atomic rename. Only then does it replace the
files, each through a temporary file, fsync and `os.replace`, and at the end it deletes the
journal (again by rename first). Whatever happens in between, the journal can put the old
state back:

- an exception or a handled signal inside `commit()` rolls back at once, from the journal;
- after `kill -9` the journal stays on disk ("hot"), and `recover()`, which every command that
  uses a journal calls before it starts, restores the before-images and says so;
- a journal never marked complete means no target was touched yet: it is simply removed.

Recovery is idempotent: stopped halfway, the next recovery does the same work again.

    with handle_termination(), FileTransaction(root, journal_dir) as tx:
        tx.write("README.md", b"new text")
        tx.write("old.txt", None)          # delete
        tx.commit()

Writes are staged in memory and applied only by `commit()`; leaving the block without
`commit()` applies nothing. Target paths are relative to `root`; absolute paths, `..` and
symlinked directories are refused (a symlink as the target itself is replaced, never written
through). A lock file in the journal folder keeps two commands (or a recovery and a commit)
from working on one journal at once; the kernel drops it when its process dies.

The journal folder should live outside what the user versions (e.g. inside `.git/`), so an
interrupted change does not show up as an untracked folder. Its layout: `pending/` while the
before-images are written, `complete/` once they are all on disk, `discard-*/` while it is
being deleted; each holds `manifest.json` and one numbered file per saved before-image.

Another journal built on this one (`kit/code/apply_roots.py`, a journal over several roots)
uses the same durable steps: `write_synced`, `fsync_dir` and `signals_deferred`.
"""

from scaffolder.journal._files import checked_relative, fsync_dir, write_synced
from scaffolder.journal._signals import Terminated, handle_termination, signals_deferred
from scaffolder.journal._transaction import FileTransaction, Recovery, has_journal, recover

__all__ = [
    "FileTransaction",
    "Recovery",
    "Terminated",
    "checked_relative",
    "fsync_dir",
    "handle_termination",
    "has_journal",
    "recover",
    "signals_deferred",
    "write_synced",
]
