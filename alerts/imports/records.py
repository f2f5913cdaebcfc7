"""What an imported list gives: one record per person or group, and the shared limits."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

# The UN Consolidated List is a few MB and one OpenSanctions dataset tens of MB at most;
# a larger file is refused before a byte is parsed.
MAX_LIST_BYTES = 50 * 1024 * 1024

FORMATS = ("un-xml", "ftm")


class ListImportError(Exception):
    """A list file cannot be imported: unreadable, malformed, hostile or too large."""


@dataclass(frozen=True)
class ListRecord:
    """One entity as the list gives it, mapped to watchlist terms.

    ``lists`` are the list names the record belongs to (its tags for the UN list,
    datasets and topics for FollowTheMoney): ``--list`` selects by them, and a
    re-import only reports as missing the records of the lists it read.
    """

    id: str
    name: str
    kind: str
    aliases: tuple[str, ...]
    weak_aliases: tuple[str, ...]
    tags: tuple[str, ...]
    reference: str
    lists: tuple[str, ...]
    notes: tuple[str, ...] = ()  # titles, designations: shown in the file, never matched


def read_capped(path: Path, limit: int = MAX_LIST_BYTES) -> bytes:
    """The bytes of ``path``; raise ListImportError when it is missing or over ``limit``."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise ListImportError(f"{path}: not a file")
        if size > limit:
            raise ListImportError(
                f"{path}: {size / 1048576:.0f} MB is larger than the {limit // 1048576} MB "
                "an import reads: import one list or one dataset at a time"
            )
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise ListImportError(f"{path}: cannot read: {err.strerror or err}") from err
    if len(data) > limit:  # grew while being read
        raise ListImportError(f"{path}: larger than the {limit // 1048576} MB an import reads")
    return data


def decode_utf8(data: bytes, where: str) -> str:
    """``data`` as UTF-8 text (a BOM allowed); a clear error naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ListImportError(
            f"{where}: not UTF-8 text (byte 0x{data[err.start]:02x} on line {line}): "
            "download the list again, or convert it to UTF-8"
        ) from err


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def slug_id(prefix: str, reference: str, *, lower: bool = False) -> str:
    """A stable watchlist id from a list's own identifier: "un" and "TAi.024" give
    "un-tai.024" with ``lower`` (UN references differ in more than case).

    Identifiers that need changing to fit an id also get a short hash of the original,
    so two references never collapse into one id.
    """
    text = reference.strip().lower() if lower else reference.strip()
    slug = _UNSAFE.sub("-", text).strip("-._")
    if slug != text or not slug:
        digest = hashlib.sha1(reference.encode("utf-8")).hexdigest()[:6]
        slug = f"{slug}-{digest}" if slug else digest
    return f"{prefix}-{slug}"
