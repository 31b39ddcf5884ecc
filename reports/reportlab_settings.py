"""Temporary ReportLab settings for the duration of a render.

ReportLab keeps its switches in the process-wide `rl_config`; the report code flips a few
for speed only while it renders and puts them back afterwards, so nothing else in the
process sees a changed library. Overlapping renders (threads) share one override.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from reportlab import rl_config

_lock = threading.Lock()
_active: dict[str, list[Any]] = {}  # setting -> [users, value before the first user]


@contextmanager
def overridden(**settings: Any) -> Iterator[None]:
    """Set `rl_config` attributes for the block; the outermost user restores them."""
    with _lock:
        for name, value in settings.items():
            entry = _active.get(name)
            if entry is None:
                _active[name] = [1, getattr(rl_config, name)]
                setattr(rl_config, name, value)
            else:
                entry[0] += 1
    try:
        yield
    finally:
        with _lock:
            for name in settings:
                entry = _active[name]
                entry[0] -= 1
                if entry[0] == 0:
                    setattr(rl_config, name, entry[1])
                    del _active[name]
