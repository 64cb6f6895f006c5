"""File names shown inside Markdown (captions, messages) render as exactly the name, never as markup."""

from __future__ import annotations

import pytest

from ser.markup import escape_markdown

markdown_it = pytest.importorskip("markdown_it")  # CommonMark reference parser (comes with Streamlit's rich)

NAMES = [
    "<script>alert(1)</script>.wav",
    "<img src=x onerror=alert(1)>.wav",
    "**bold** [link](http://x.example) ![img](x.png) `code`.wav",
    "$x^2$ :red[red] :material/home: ~~struck~~ | a | b |.wav",
    "# heading.wav",
    "- item.wav",
    "+ item.wav",
    "1. first.wav",
    "12) twelfth.wav",
    "> quoted.wav",
    "    four spaces.wav",
    "trailing spaces.wav   ",
    "back\\slash \\*x\\*.wav",
    "&amp; &lt;b&gt; &#65;.wav",
    "line one\nline two\r\n# three.wav",
    "_under_ __score__ *a* {b}.wav",
    "<http://auto.link> www.example.com.wav",
    "日本語 ünïcödé 🎙️.wav",
    "plain.wav",
]


def _render(source: str) -> str:
    return markdown_it.MarkdownIt("commonmark").enable(["strikethrough", "table"]).render(source)


@pytest.mark.parametrize("name", NAMES)
def test_escaped_name_renders_as_itself(name):
    from markdown_it.common.utils import escapeHtml

    shown = escapeHtml(" ".join(name.replace("\r\n", "\n").split("\n")))
    escaped = escape_markdown(name)
    assert "\n" not in escaped
    assert _render(escaped) == f"<p>{shown}</p>\n"
    assert _render(f"**{escaped}** · WAV PCM_16") == f"<p><strong>{shown}</strong> · WAV PCM_16</p>\n"
    assert _render(f"- **{escaped}**: {escaped}") == f"<ul>\n<li><strong>{shown}</strong>: {shown}</li>\n</ul>\n"
    # Streamlit's own extensions (maths, colour directives, icons) start with $ or ':' — always escaped
    unescaped = escaped.replace("\\\\", "")
    assert all(unescaped[i - 1] == "\\" for i, c in enumerate(unescaped) if c in "$:")


def test_plain_messages_keep_their_text():
    message = "notes.wav is only 0.10 s long; at least 0.5 s is needed."
    assert escape_markdown(message) == message


def test_write_between_markers_keeps_the_text_around(tmp_path):
    from ser.errors import ConfigError
    from ser.markup import write_between_markers

    path = tmp_path / "README.md"
    path.write_text("intro\n<!-- a -->\nold\n<!-- /a -->\nmiddle\n<!-- b -->\n<!-- /b -->\nend\n")
    text = write_between_markers(path, [(("<!-- a -->", "<!-- /a -->"), "| new |"), (("<!-- b -->", "<!-- /b -->"), "")])
    assert text == path.read_text() == "intro\n<!-- a -->\n| new |\n<!-- /a -->\nmiddle\n<!-- b -->\n<!-- /b -->\nend\n"
    with pytest.raises(ConfigError, match="markers"):
        write_between_markers(path, [(("<!-- c -->", "<!-- /c -->"), "x")])
    with pytest.raises(ConfigError, match="cannot read"):
        write_between_markers(tmp_path / "missing.md", [])


@pytest.mark.parametrize("n,expected", [(0, "0 audio files"), (1, "1 audio file"), (2, "2 audio files")])
def test_count_says_one_file_and_two_files(n, expected):
    from ser.markup import count

    assert count(n, "audio file") == expected
    assert count(1, "speech", "speeches") == "1 speech" and count(3, "speech", "speeches") == "3 speeches"
