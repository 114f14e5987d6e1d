"""Whether a person is watching: progress bars only on a terminal, never under CI or into a pipe."""
from __future__ import annotations

import os
import sys


def interactive() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


# Characters a terminal acts on instead of showing: C0 and C1 controls (an ESC starts a colour, a cursor move,
# a new window title …) and the bidirectional overrides and isolates that reorder what follows.
_ACTIVE = {c for c in range(0x20)} | {0x7F} | set(range(0x80, 0xA0)) | \
    {0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}
_SHOWN = {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in _ACTIVE}


def shown(text: str) -> str:
    """``text`` safe to print to a terminal: what it would act on (escape sequences, bidi overrides) is written
    out as ``\\x1b`` or ``\\u202e``, so a file name or a department's cell text cannot restyle or reorder the
    analyst's screen."""
    return str(text).translate(_SHOWN)
