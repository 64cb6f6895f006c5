"""Markdown: showing text a person chose (file names, and messages that quote them) inside it, and
rewriting the generated blocks of a markdown file (``write_between_markers``).

Streamlit renders ``st.caption``, ``st.error``, ``st.markdown`` ... as Markdown (CommonMark with
GitHub extensions, LaTeX between ``$``, ``:color[...]`` directives). It escapes HTML, but a file
called ``**x** [a](http://b) $y$.wav`` would still be shown bold, as a link and as maths.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ser.errors import ConfigError

# ASCII punctuation that starts inline Markdown (emphasis, code, links, images, autolinks, HTML,
# entities, maths, strikethrough, tables, directives). A backslash before any ASCII punctuation
# is a valid CommonMark escape, so the escaped text always shows exactly as given.
_INLINE = re.compile(r"([\\`*_\[\]<>$~|:&#!{}])")
_NEWLINES = re.compile(r"[\r\n\u2028\u2029]+")
_LIST_NUMBER = re.compile(r"^(\d+)([.)])")
_EDGE_SPACE = re.compile(r"^[ \t]+|[ \t]+$")


def escape_markdown(text: str) -> str:
    """``text`` as Markdown that renders as that literal text on one line (newlines become spaces),
    also between ``**`` and ``**``."""
    escaped = _INLINE.sub(r"\\\1", _NEWLINES.sub(" ", str(text)))
    # A list or heading marker at the very start would make a block: escape it too.
    if escaped[:1] in ("-", "+", "="):
        escaped = "\\" + escaped
    escaped = _LIST_NUMBER.sub(r"\1\\\2", escaped, count=1)
    # Spaces at either end would end up as an indented code block or break the ** around a name:
    # write them as character references, which render as the same spaces.
    return _EDGE_SPACE.sub(lambda m: "".join(f"&#{ord(c)};" for c in m.group()), escaped)


def write_between_markers(path: str | Path, blocks: Sequence[tuple[tuple[str, str], str]]) -> str:
    """Replace the text between each ``(start, end)`` marker pair of a markdown file with its body
    (``ser evaluate --write-readme``, ``ser benchmark --write-readme``); text outside the markers is
    kept as is. Returns the new text; ConfigError when the file cannot be read or lacks a pair."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    for (start, end), body in blocks:
        head, found, rest = text.partition(start)
        _, found_end, tail = rest.partition(end)
        if not found or not found_end:
            raise ConfigError(f"{path} has no '{start}' ... '{end}' markers to write between")
        text = head + start + "\n" + (body + "\n" if body else "") + end + tail
    path.write_text(text, encoding="utf-8")
    return text


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the right number: "1 file", "3 files", "0 files" (``plural`` for irregular nouns)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
