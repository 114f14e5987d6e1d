"""Output files appear whole or not at all: written to a temporary name beside the target, then renamed."""
from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
from pathlib import Path
from typing import Iterator

from alxa_lib.errors import OutputError


def current_umask() -> int:
    """The process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(final: Path | str) -> Iterator[Path]:
    """Yield a temporary path in ``final``'s folder; on success rename it to ``final`` (a killed run
    leaves no partial file at the final path, only a hidden ``.~*`` temporary that the next run ignores)."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_path = temporary_beside(final)
    os.close(fd)
    try:
        yield tmp_path
        os.replace(tmp_path, final)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


# temporary names unique in this process (O_EXCL refuses another process's): a counter, not a random token,
# which asked the kernel for random bytes at every file
_SERIAL = itertools.count()


def temporary_beside(final: Path) -> tuple[int, Path]:
    """A new hidden temporary file beside ``final``, open for writing. Created with mode 0666 less the umask,
    as the kernel applies it (mkstemp would make it 0600: an output follows the umask, as any other file)."""
    while True:
        tmp = final.parent / f".~{final.stem[:40]}.{os.getpid()}.{next(_SERIAL)}{final.suffix}"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
        except FileNotFoundError:  # the folder first: made only when missing, not asked for at every file
            final.parent.mkdir(parents=True, exist_ok=True)


def write_text(final: Path | str, text: str) -> Path:
    """:func:`atomic_path` for a text (UTF-8) in one open of the temporary file: the archive writes one
    sidecar per stored file, and each open or stat on a file system is a system call of CPU time."""
    final = Path(final)
    fd, tmp = temporary_beside(final)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return final


def sha256_of(path: Path | str) -> str:
    """The SHA-256 of a file, read in 1 MiB chunks (the archive's key for every original)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def shown_name(name: str) -> str:
    """A file name as a person reads it. A name that arrived as bytes the file system's UTF-8 cannot decode
    (a Chinese Windows zip unpacked here gives GBK bytes; Python keeps them as lone surrogates) is decoded as
    GB18030, else shown with its undecodable bytes escaped (docs/workbooks.md §7)."""
    raw = os.fsencode(name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")


def raw_name(name: str) -> str | None:
    """The bytes of a name that is not UTF-8, escaped (``\\xd7\\xa1…``); None for a UTF-8 name."""
    raw = os.fsencode(name)
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError:
        return raw.decode("ascii", "backslashreplace")


def shown_path(path: Path | str) -> str:
    """:func:`shown_name` for every part of a path, each part on its own (a UTF-8 folder holding a GBK name)."""
    text = str(path)
    return text if text.isascii() or _utf8(text) else "/".join(shown_name(part) for part in text.split("/"))


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def output_folder(out: Path | str) -> Path:
    """``out`` as a folder that can be written (created when missing)."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise OutputError(f"输出路径 {path} 是文件，应为文件夹", f"the output path {path} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".alxa-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(f"无法写入输出文件夹 {path}：{exc.strerror or exc}",
                          f"cannot write to the output folder {path}: {exc.strerror or exc}") from None
    return path


@contextlib.contextmanager
def no_partial_output(out: Path) -> Iterator[None]:
    """Whatever the block wrote under ``out`` is removed again when it fails or is interrupted (a report is
    whole or absent); what was there before stays. A folder ``out`` the block made goes as a whole."""
    import shutil
    out = Path(out)
    made = not out.exists()
    before = set() if made else set(out.rglob("*"))
    try:
        yield
    except BaseException:
        if made:
            shutil.rmtree(out, ignore_errors=True)
        elif out.exists():
            for p in sorted(set(out.rglob("*")) - before, key=lambda p: len(p.parts), reverse=True):
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
        raise
