"""A render silences copier's own warnings (copilot reports those states itself) and nothing
else: another library's warning raised while copier runs still reaches the user."""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

from copier.errors import CopierWarning, DirtyLocalWarning

from scaffolder.scaffold import NewProjectRequest, create_project
from scaffolder.scaffold._copier import quiet_copier
from tests.scaffold.test_new import make_template_repo


def test_a_dirty_template_renders_without_copiers_warning(tmp_path: Path) -> None:
    source = make_template_repo(
        tmp_path / "tpl",
        "greeting:\n  type: str\n  default: hi\n",
        {"a.txt.jinja": "{{ greeting }}\n"},
    )
    # No tag, so copier renders HEAD plus the uncommitted edit, and warns that it does.
    subprocess.run(["git", "tag", "-d", "v1.0.0"], cwd=source, check=True, capture_output=True)
    (source / "a.txt.jinja").write_text("{{ greeting }}!\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = create_project(NewProjectRequest(str(source), tmp_path / "out"))
    assert (result.destination / "a.txt").read_text() == "hi!\n"
    assert not [w for w in caught if issubclass(w.category, CopierWarning)]


def test_other_libraries_warnings_pass_through_a_render() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with quiet_copier():
            warnings.warn(DirtyLocalWarning("copier: the template is dirty"), stacklevel=1)
            warnings.warn("jinja2: this filter is deprecated", DeprecationWarning, stacklevel=1)
            warnings.warn("pydantic: a field shadows an attribute", UserWarning, stacklevel=1)
    assert [(w.category, str(w.message)) for w in caught] == [
        (DeprecationWarning, "jinja2: this filter is deprecated"),
        (UserWarning, "pydantic: a field shadows an attribute"),
    ]
