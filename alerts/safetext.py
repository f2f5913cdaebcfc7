"""Text from articles made safe to print, log or put in a header.

A headline is hostile: an ESC or OSC sequence in it repaints or retitles the
reader's terminal, a BEL rings it, a bidi override reverses what follows, and a
2,000-character word makes a mail header no RFC 5322 server accepts. Everything
newsradar prints to a terminal, logs, or puts in a header goes through here.
"""

from __future__ import annotations

import re

# C0 controls but \t and \n, DEL, C1 controls (U+0080-U+009F, which some terminals
# read as CSI/OSC), and the Unicode bidi embeddings, overrides and isolates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# The same, \t and \n included: for one-line values (headers, titles).
_LINE_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

#: The longest word kept whole in a header; longer ones are cut (RFC 5322 lines
#: end at 998 characters, and a word cannot be folded).
MAX_HEADER_WORD = 80
#: The longest header value (a mail Subject, a chat title).
MAX_HEADER = 250


def strip_controls(text: str) -> str:
    """``text`` without terminal controls, C1 controls or bidi overrides (tabs and
    newlines kept): safe to print to a terminal or write to a log."""
    return _CONTROLS.sub("", text)


def one_line(text: str) -> str:
    """``text`` as one line: controls dropped, every run of whitespace one space."""
    return " ".join(_LINE_CONTROLS.sub(" ", text).split())


def header_value(text: str) -> str:
    """``text`` fit for a header (a mail Subject): one line, no word longer than
    MAX_HEADER_WORD characters (cut with "…"), at most MAX_HEADER characters."""
    words = [
        word if len(word) <= MAX_HEADER_WORD else word[: MAX_HEADER_WORD - 1] + "…"
        for word in one_line(text).split(" ")
    ]
    value = " ".join(words)
    return value if len(value) <= MAX_HEADER else value[: MAX_HEADER - 1].rstrip() + "…"


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def json_line(text: str) -> str:
    """A JSON document (from ``json.dumps(..., ensure_ascii=False)``) with the controls
    JSON leaves raw (DEL, C1, bidi overrides) written as ``\\uXXXX`` escapes: the
    same data, harmless on a terminal."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
