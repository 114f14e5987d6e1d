"""Whether a person is watching: progress bars only on a terminal, never under CI or into a pipe."""
from __future__ import annotations

import os
import sys


def interactive() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")
