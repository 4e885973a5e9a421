"""Context, document and instruction sections for prompts.

Content is escaped for its delimiter so that text inside a section can neither
close it nor open a forged one (``</context>``, ``[SYSTEM]``, a ``#`` heading).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "DelimiterType", "ContextOptions", "DocumentMetadata", "ContextItem",
    "format_context", "format_multiple_contexts", "format_document", "format_instructions",
    "escape_delimiters", "unescape_delimiters",
]

DelimiterType = Literal["xml", "markdown", "brackets", "none"]
_DELIMITERS = ("xml", "markdown", "brackets", "none")


@dataclass
class ContextOptions:
    """Options of :func:`format_context`."""

    label: str = "Context"
    delimiter: DelimiterType = "xml"
    dedent: bool = True
    normalize: bool = True
    custom_delimiter_start: str | None = None
    custom_delimiter_end: str | None = None


@dataclass
class DocumentMetadata:
    """Metadata lines printed above a document by :func:`format_document`."""

    title: str | None = None
    author: str | None = None
    date: str | None = None
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ContextItem:
    """One labelled piece of context for :func:`format_multiple_contexts`."""

    content: str
    label: str = "context"


_BLANK_RUNS = re.compile(r"\n{3,}")
_TAG_DROP = re.compile(r"[^A-Za-z0-9_-]")
# Markdown block starts that could open a forged section: ATX headings, fences, setext
# underlines (each may be indented up to three spaces); a run of backslashes before one of
# them is escaped too, so unescape_delimiters is an exact inverse.
_MD_LINE = re.compile(r"(?m)^( {0,3})(\\*)(#|```|~~~|=+[ \t]*$|-+[ \t]*$)")
_MD_UNLINE = re.compile(r"(?m)^( {0,3})\\(\\*)(#|```|~~~|=+[ \t]*$|-+[ \t]*$)")
# A line of "=" could pass for the brackets separator: it gets a leading backslash.
_EQ_LINE = re.compile(r"(?m)^(\\*)(=+[ \t]*)$")
_EQ_UNLINE = re.compile(r"(?m)^\\(\\*)(=+[ \t]*)$")


def _check_delimiter(delimiter: object) -> str:
    if delimiter not in _DELIMITERS:
        raise ValueError(f"delimiter must be one of 'xml', 'markdown', 'brackets', 'none'; got {delimiter!r}")
    return delimiter  # type: ignore[return-value]


def _text(value: object, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    return value


def _normalize(content: str) -> str:
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    return _BLANK_RUNS.sub("\n\n", content).strip()


def _tag(label: str) -> str:
    tag = _TAG_DROP.sub("", label.lower().replace(" ", "_"))
    if not tag:
        return "extra"
    if not (tag[0].isalpha() or tag[0] == "_"):
        return "extra" + tag
    return tag


def escape_delimiters(content: str, delimiter: DelimiterType = "xml") -> str:
    """Escape ``content`` so it cannot break out of a ``delimiter`` section.

    xml: ``& < >`` become entities; markdown: a backslash before headings, code
    fences and setext underlines at the start of a line; brackets: ``[`` and
    ``]`` get a backslash, as does a line made only of ``=``; none: unchanged.
    """
    content = _text(content, "content")
    delimiter = _check_delimiter(delimiter)
    if delimiter == "xml":
        return content.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if delimiter == "markdown":
        return _MD_LINE.sub(r"\1\\\2\3", content)
    if delimiter == "brackets":
        return _EQ_LINE.sub(r"\\\1\2", content.replace("[", "\\[").replace("]", "\\]"))
    return content


def unescape_delimiters(content: str, delimiter: DelimiterType = "xml") -> str:
    """The exact inverse of :func:`escape_delimiters`."""
    content = _text(content, "content")
    delimiter = _check_delimiter(delimiter)
    if delimiter == "xml":
        return content.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    if delimiter == "markdown":
        return _MD_UNLINE.sub(r"\1\2\3", content)
    if delimiter == "brackets":
        return _EQ_UNLINE.sub(r"\1\2", content).replace("\\[", "[").replace("\\]", "]")
    return content


def _guard_custom(content: str, markers: Iterable[str]) -> str:
    # A custom marker inside the content would end the section early: break it with a backslash.
    for marker in markers:
        if marker and marker in content:
            content = content.replace(marker, "\\" + marker)
    return content


def format_context(
    content: str,
    *,
    label: str = "Context",
    delimiter: DelimiterType = "xml",
    dedent: bool = True,
    normalize: bool = True,
    custom_delimiter_start: str | None = None,
    custom_delimiter_end: str | None = None,
) -> str:
    """Wrap ``content`` in a labelled section; blank content gives ``""``.

    xml: ``<label>\\n...\\n</label>`` (label made a tag name); markdown:
    ``# Label\\n\\n...``; brackets: ``[LABEL]`` between ``=`` rulers; none: the
    content alone. Both custom delimiters given: ``start\\n...\\nend``.
    """
    content = _text(content, "content")
    label = _text(label, "label")
    delimiter = _check_delimiter(delimiter)
    if not content.strip():
        return ""
    if dedent:
        content = textwrap.dedent(content)
    if normalize:
        content = _normalize(content)
    if custom_delimiter_start and custom_delimiter_end:
        body = _guard_custom(content, dict.fromkeys((custom_delimiter_end, custom_delimiter_start)))
        return f"{custom_delimiter_start}\n{body}\n{custom_delimiter_end}"
    if delimiter == "none":
        return content
    body = escape_delimiters(content, delimiter)
    if delimiter == "xml":
        tag = _tag(label)
        return f"<{tag}>\n{body}\n</{tag}>"
    if delimiter == "markdown":
        return f"# {escape_delimiters(label, 'markdown')}\n\n{body}"
    sep = "=" * max(20, len(label) + 10)
    name = label.upper().replace("[", "\\[").replace("]", "\\]")
    return f"[{name}]\n{sep}\n{body}\n{sep}"


def _item(item: ContextItem | Mapping[str, Any]) -> tuple[str, str]:
    if isinstance(item, ContextItem):
        return item.content, item.label
    if isinstance(item, Mapping):
        return item.get("content", ""), item.get("label", "Context")
    raise TypeError(f"items must be ContextItem or dict, got {type(item).__name__}")


def format_multiple_contexts(
    items: Iterable[ContextItem | Mapping[str, Any]], *, delimiter: DelimiterType = "xml"
) -> str:
    """Format each item with :func:`format_context` (blank ones skipped), joined by a blank line."""
    parts = []
    for item in items:
        content, label = _item(item)
        text = format_context(content, label=label, delimiter=delimiter)
        if text:
            parts.append(text)
    return "\n\n".join(parts)


_META_KEYS = ("title", "author", "date", "source")


def _metadata(metadata: DocumentMetadata | Mapping[str, Any]) -> tuple[list[tuple[str, Any]], str | None]:
    if isinstance(metadata, DocumentMetadata):
        pairs = [(k, getattr(metadata, k)) for k in _META_KEYS]
        pairs += list((metadata.extra or {}).items())
        return pairs, metadata.title
    if isinstance(metadata, Mapping):
        pairs = [(k, metadata.get(k)) for k in _META_KEYS]
        pairs += [(k, v) for k, v in metadata.items() if k not in _META_KEYS]
        return pairs, metadata.get("title")
    raise TypeError(f"metadata must be DocumentMetadata, dict or None, got {type(metadata).__name__}")


def format_document(
    content: str,
    metadata: DocumentMetadata | Mapping[str, Any] | None = None,
    *,
    delimiter: DelimiterType = "xml",
) -> str:
    """A document section: ``key: value`` metadata lines (empty values skipped), a blank line, the content.

    The label is the title, else ``"Document"``. Blank content gives ``""``.
    """
    content = _text(content, "content")
    if not content.strip():
        return ""
    if metadata is None:
        return format_context(content, label="Document", delimiter=delimiter)
    pairs, title = _metadata(metadata)
    lines = [f"{k}: {v}" for k, v in pairs if v]
    body = "\n".join(lines) + "\n\n" + content if lines else content
    return format_context(body, label=title or "Document", delimiter=delimiter)


def format_instructions(instructions: str, *, delimiter: DelimiterType = "xml") -> str:
    """An ``Instructions`` section (see :func:`format_context`)."""
    return format_context(instructions, label="Instructions", delimiter=delimiter)
