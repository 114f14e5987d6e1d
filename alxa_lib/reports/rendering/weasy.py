"""WeasyPrint, loaded without running a compiler (docs/rendering.md §6).

WeasyPrint opens pango, harfbuzz and fontconfig through cffi, trying several names per library
('libpango-1.0-0', 'pango-1.0-0', 'pango-1.0', then the soname 'libpango-1.0.so.0'). Each name the loader
cannot open directly goes to ``ctypes.util.find_library``, which on Linux runs ``ldconfig -p`` and, when
that finds nothing, gcc and ld: 22 lookups and about 0.2 s of CPU in child processes in every process that
renders a PDF. While WeasyPrint loads, the lookups here read one ``ldconfig -p`` listing and answer as the
standard library's first step does. A name missing from the listing is answered "not found" at once, and
cffi tries the next candidate; every list ends with a soname that the dynamic loader opens directly
(``LD_LIBRARY_PATH`` included).
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import subprocess
import sys
from types import ModuleType
from typing import Callable, Iterator

# ctypes.util's own table (_findSoname_ldconfig): the ABI tag ldconfig prints for 64-bit machines
_ABI = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
        "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}


def weasyprint() -> ModuleType:
    """The ``weasyprint`` module, its own and fontTools' logs lowered to errors (they warn about every
    unsupported CSS property of a page)."""
    if "weasyprint" not in sys.modules:
        with _library_lookup_from_one_listing():
            import weasyprint  # noqa: F401  (loads pango, harfbuzz and fontconfig)
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return sys.modules["weasyprint"]


def soname_finder(listing: str, machine: str) -> Callable[[str], str | None]:
    """``find_library`` answered from one ``ldconfig -p`` listing: ``'pango-1.0'`` → ``'libpango-1.0.so.0'``."""
    abi = _ABI.get(machine, "libc6")

    def find(name: str) -> str | None:
        m = re.search(r"\s+(lib%s\.[^\s]+)\s+\(%s" % (re.escape(name), re.escape(abi)), listing)
        return m[1] if m else None
    return find


@contextlib.contextmanager
def _library_lookup_from_one_listing() -> Iterator[None]:
    import ctypes.util
    listing = _ldconfig_listing()
    if listing is None:  # not Linux, or no ldconfig: the standard lookup
        yield
        return
    bits = "64" if sys.maxsize > 2 ** 32 else "32"
    original = ctypes.util.find_library
    ctypes.util.find_library = soname_finder(listing, f"{os.uname().machine}-{bits}")
    try:
        yield
    finally:
        ctypes.util.find_library = original


def _ldconfig_listing() -> str | None:
    if not sys.platform.startswith("linux"):
        return None
    ldconfig = shutil.which("ldconfig") or next((p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig")
                                                  if os.path.exists(p)), None)
    if ldconfig is None:
        return None
    try:
        done = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=10,
                              env={**os.environ, "LC_ALL": "C", "LANG": "C"})
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None
