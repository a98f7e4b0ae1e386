"""Plain text with a few marks, for what staff write on the public pages, rendered safely.

Every character is escaped first; then a blank line separates paragraphs, a line starting with
「## 」 is a heading (h2 under the page's h1, or the level given), lines starting with 「- 」 make a
list, and https:// addresses become links. Nothing else: staff cannot inject HTML or script.
"""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_URL = re.compile(r"https?://[^\s<>\"'（）「」、。]+")


def _inline(text: str) -> str:
    escaped = escape(text)
    return _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)


def render(text: str, heading_level: int = 2) -> SafeString:
    blocks, paragraph, items = [], [], []

    def flush():
        if paragraph:
            blocks.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()
        if items:
            blocks.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
            items.clear()

    for raw in (text or "").replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            flush()
        elif line.startswith("## "):
            flush()
            blocks.append(f"<h{heading_level}>{_inline(line[3:].strip())}</h{heading_level}>")
        elif line.startswith("- "):
            if paragraph:
                flush()
            items.append(line[2:].strip())
        else:
            if items:
                flush()
            paragraph.append(line)
    flush()
    return mark_safe("\n".join(blocks))  # noqa: S308 - every piece of text above is escaped
