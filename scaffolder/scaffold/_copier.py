"""What `new` and `update` share when they call copier: quiet output, readable failures."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

#: Said when a template needs --trust; copier raises UnsafeTemplateError for all three.
UNSAFE_TEMPLATE = "runs tasks, migrations or Jinja extensions; read it, then pass --trust"


@contextmanager
def quiet_copier() -> Iterator[None]:
    """Copier warns about dirty templates, old versions and settings; copilot reports itself."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
