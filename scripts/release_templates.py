"""Record the current templates/ as template version v<version> (the version in pyproject.toml).

Usage: python scripts/release_templates.py

Run it after bumping `version` in pyproject.toml. It assembles templates/ (the base layer merged
into each template's overlay, scaffolder/scaffold/_assembly.py), adds that complete tree as the
tag to the template history that ships inside the package (scaffolder/_data/templates.bundle)
and notes the release in scaffolder/_data/templates.lock.json. Commit both files. See
docs/releasing.md.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from scaffolder.errors import CopilotError
from scaffolder.scaffold import release_templates

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    data = ROOT / "scaffolder" / "_data"
    try:
        release = release_templates(
            ROOT / "templates", version, data / "templates.bundle", data / "templates.lock.json"
        )
    except CopilotError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    if release.created:
        print(f"released templates v{release.version} (tree {release.tree[:12]})")
    else:
        print(f"templates v{release.version} already released with this content; nothing to do")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
