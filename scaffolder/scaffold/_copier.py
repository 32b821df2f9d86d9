"""What `new` and `update` share when they call copier: quiet output, readable failures."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from copier.errors import CopierWarning

#: Said when a template needs --trust; copier raises UnsafeTemplateError for all three.
UNSAFE_TEMPLATE = "runs tasks, migrations or Jinja extensions; read it, then pass --trust"


@contextmanager
def quiet_copier() -> Iterator[None]:
    """Copier warns about dirty templates, old versions and settings; copilot reports those
    itself, so copier's own warning classes are silenced during a render. Only those: another
    library's warning (a deprecation in Jinja or pydantic) still reaches the user."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=CopierWarning)
        yield
