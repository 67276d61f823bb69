"""HTML pages: parsed with a real HTML parser (lexbor, through selectolax) and rendered to
markdown-shaped text that keeps headings (``#``), paragraphs, nested lists and tables.

The rendering is the text the offsets of an HTML page refer to; it is deterministic, so
the same HTML always gives the same text, offsets and IRIs.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

__all__ = ["html_to_text"]

_SKIP = {"script", "style", "noscript", "template", "head", "nav", "svg", "button", "form", "iframe"}
_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "dd", "dt",
           "figure", "figcaption", "address", "pre", "body", "html", "details", "summary"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_SPACE = re.compile(r"\s+")


def _inline_one(child) -> str:
    tag = child.tag
    if tag == "-text":
        return child.text_content or ""
    if tag == "br":
        return " "
    if tag in _SKIP or tag == "-comment":
        return ""
    if tag in ("strong", "b"):
        inner = _inline(child).strip()
        return f"**{inner}**" if inner else ""
    return _inline(child)


def _inline(node) -> str:
    return _SPACE.sub(" ", "".join(_inline_one(c) for c in node.iter(include_text=True)))


def _has_blocks(node) -> bool:
    return any(
        c.tag in _BLOCKS or c.tag in _HEADINGS or c.tag in ("ul", "ol", "table", "hr", "li")
        for c in node.iter(include_text=False)
    )


def _render(node, out: list[str], depth: int) -> None:
    pending: list[str] = []

    def flush() -> None:
        text = "".join(pending).strip()
        pending.clear()
        if text:
            out.append(text)

    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            pending.append(child.text_content or "")
            continue
        if tag in _SKIP or tag == "-comment":
            continue
        if tag in _HEADINGS:
            flush()
            text = _inline(child).strip()
            if text:
                out.append("#" * _HEADINGS[tag] + " " + text)
        elif tag in ("ul", "ol"):
            flush()
            for n, item in enumerate((c for c in child.iter() if c.tag == "li"), start=1):
                marker = f"{n}." if tag == "ol" else "-"
                head: list[str] = []
                nested: list[str] = []
                sub = [c for c in item.iter(include_text=True)]
                inline_parts = [c for c in sub if c.tag not in ("ul", "ol", "table")]
                for c in inline_parts:
                    head.append(_inline_one(c))
                for c in sub:
                    if c.tag in ("ul", "ol", "table"):
                        holder = LexborHTMLParser(f"<div>{c.html}</div>").css_first("div")
                        _render(holder, nested, depth + 1)
                text = _SPACE.sub(" ", "".join(head)).strip()
                out.append("  " * depth + f"{marker} {text}".rstrip())
                out.extend(nested)
        elif tag == "table":
            flush()
            for row in child.css("tr"):
                cells = [_inline(c).strip().replace("|", "\\|") for c in row.iter() if c.tag in ("td", "th")]
                if cells:
                    out.append("  " * depth + "| " + " | ".join(cells) + " |")
        elif tag == "hr":
            flush()
            out.append("* * *")
        elif tag == "br":
            pending.append(" ")
        elif tag in _BLOCKS or _has_blocks(child):
            flush()
            _render(child, out, depth)
        else:
            pending.append(_inline_one(child))
    flush()


def html_to_text(html: str) -> str:
    """Markdown-shaped text of an HTML page: one block per paragraph, heading, item or table."""
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    out: list[str] = []
    if root is not None:
        _render(root, out, 0)
    title = tree.css_first("title")
    blocks = [_SPACE.sub(" ", b).rstrip() if not b.lstrip().startswith(("-", "|")) and not b[:1] == " " else b.rstrip() for b in out]
    text = "\n\n".join(b for b in blocks if b.strip())
    if not any(b.startswith("# ") for b in blocks) and title is not None and title.text().strip():
        text = "# " + _SPACE.sub(" ", title.text()).strip() + "\n\n" + text
    return text + "\n" if text else ""
