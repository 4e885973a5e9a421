"""Conversation memory for prompts: entries, formatting styles, trimming."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "MemoryRole", "MemoryStyle", "MemoryEntry", "MemoryFormatOptions",
    "format_memory", "create_memory_entry", "merge_memory", "filter_memory_by_role",
    "get_last_n_entries", "calculate_memory_size", "truncate_memory",
]

MemoryRole = Literal["user", "assistant", "system"]
MemoryStyle = Literal["conversational", "structured", "compact"]


@dataclass
class MemoryEntry:
    """One turn of a conversation."""

    role: MemoryRole
    content: str
    timestamp: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class MemoryFormatOptions:
    """Options of :func:`format_memory` (``max_entries`` keeps the last N)."""

    max_entries: int | None = None
    include_timestamps: bool = False
    include_metadata: bool = False
    style: MemoryStyle = "conversational"


def _entry(item: MemoryEntry | Mapping[str, Any]) -> MemoryEntry:
    if isinstance(item, MemoryEntry):
        return item
    if isinstance(item, Mapping):
        return MemoryEntry(
            role=item.get("role", "user"),
            content=item.get("content", ""),
            timestamp=item.get("timestamp"),
            metadata=dict(item.get("metadata") or {}),
        )
    raise TypeError(f"memory entries must be MemoryEntry or dict, got {type(item).__name__}")


def _entries(memory: Iterable[MemoryEntry | Mapping[str, Any]]) -> list[MemoryEntry]:
    if isinstance(memory, (str, bytes, Mapping)):
        raise TypeError(f"memory must be a list of MemoryEntry or dicts, got {type(memory).__name__}")
    return [_entry(item) for item in memory]


def _options(options: MemoryFormatOptions | Mapping[str, Any] | None) -> MemoryFormatOptions:
    if options is None:
        return MemoryFormatOptions()
    if isinstance(options, MemoryFormatOptions):
        return options
    if isinstance(options, Mapping):
        known = MemoryFormatOptions.__dataclass_fields__
        return MemoryFormatOptions(**{k: v for k, v in options.items() if k in known})
    raise TypeError(f"options must be MemoryFormatOptions, dict or None, got {type(options).__name__}")


def _xml(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: object) -> str:
    return _xml(str(value)).replace('"', "&quot;").replace("'", "&#39;")


_ATTR_NAME_DROP = re.compile(r"[^A-Za-z0-9_.:-]")
# A line of content that starts like a turn ("Assistant: ...") would forge one: it gets a backslash.
_TURN = re.compile(r"(?<=\n)(\\*)((?:User|Assistant|System|Tool):)")
_ESCAPED = r"\\\1\2"
_COMPACT_TURN = re.compile(r"(?<=\n)(\\*)((?:\[\d\d:\d\d\] )?[A-Z]:)")


def _attr_name(key: object) -> str:
    name = _ATTR_NAME_DROP.sub("", str(key))
    return name if name and not name[0].isdigit() and name[0] not in ".-" else "_" + name


def _conversational(entries: list[MemoryEntry], opts: MemoryFormatOptions) -> str:
    blocks = []
    for e in entries:
        line = f"{str(e.role).capitalize()}: {_TURN.sub(_ESCAPED, e.content)}"
        if opts.include_timestamps and e.timestamp is not None:
            line = f"[{e.timestamp.isoformat()}] {line}"
        if opts.include_metadata and e.metadata:
            line += " (" + ", ".join(f"{k}={v}" for k, v in e.metadata.items()) + ")"
        blocks.append(line)
    return "\n\n".join(blocks)


def _structured(entries: list[MemoryEntry], opts: MemoryFormatOptions) -> str:
    lines = ["<conversation_history>"]
    for e in entries:
        attrs = f' role="{_attr(e.role)}"'
        if opts.include_timestamps and e.timestamp is not None:
            attrs += f' timestamp="{_attr(e.timestamp.isoformat())}"'
        if opts.include_metadata and e.metadata:
            attrs += "".join(f' {_attr_name(k)}="{_attr(v)}"' for k, v in e.metadata.items())
        lines.append(f"  <message{attrs}>{_xml(e.content)}</message>")
    if not entries:
        lines.append("")  # the reference's empty history keeps one blank line
    lines.append("</conversation_history>")
    return "\n".join(lines)


def _compact(entries: list[MemoryEntry], opts: MemoryFormatOptions) -> str:
    lines = []
    for e in entries:
        role = str(e.role)[:1].upper()
        stamp = f"[{e.timestamp.strftime('%H:%M')}] " if opts.include_timestamps and e.timestamp is not None else ""
        lines.append(f"{stamp}{role}: {_COMPACT_TURN.sub(_ESCAPED, e.content)}")
    return "\n".join(lines)


def format_memory(
    memory: Iterable[MemoryEntry | Mapping[str, Any]],
    options: MemoryFormatOptions | Mapping[str, Any] | None = None,
) -> str:
    """Format conversation memory in one of three styles.

    conversational: ``"User: ..."`` blocks separated by a blank line (optional
    ``[iso timestamp]`` prefix and ``(k=v, ...)`` suffix); structured: a
    ``<conversation_history>`` element, one ``<message role=...>`` per line;
    compact: ``U:``/``A:``/``S:`` lines (optional ``[HH:MM]``). Unknown style:
    conversational. A content line that looks like a new turn gets a backslash.
    """
    entries = _entries(memory)
    opts = _options(options)
    if not entries:
        return ""
    if opts.max_entries is not None:
        entries = entries[-opts.max_entries:] if opts.max_entries > 0 else []
    if opts.style == "structured":
        return _structured(entries, opts)
    if opts.style == "compact":
        return _compact(entries, opts)
    return _conversational(entries, opts)


def create_memory_entry(role: MemoryRole, content: str, metadata: dict[str, Any] | None = None) -> MemoryEntry:
    """A :class:`MemoryEntry` stamped with the current time."""
    return MemoryEntry(role=role, content=content, timestamp=datetime.now(), metadata=dict(metadata or {}))


def merge_memory(*memories: Iterable[MemoryEntry | Mapping[str, Any]]) -> list[MemoryEntry]:
    """All entries sorted by timestamp (stable; entries without one last)."""
    merged = [e for memory in memories for e in _entries(memory)]
    stamped = [e for e in merged if e.timestamp is not None]
    # POSIX seconds, so naive (local) and aware timestamps sort together.
    stamped.sort(key=lambda e: e.timestamp.timestamp())  # type: ignore[union-attr]
    return stamped + [e for e in merged if e.timestamp is None]


def filter_memory_by_role(memory: Iterable[MemoryEntry | Mapping[str, Any]], role: MemoryRole) -> list[MemoryEntry]:
    """The entries with ``role``."""
    return [e for e in _entries(memory) if e.role == role]


def get_last_n_entries(memory: Iterable[MemoryEntry | Mapping[str, Any]], n: int) -> list[MemoryEntry]:
    """The last ``n`` entries (none for ``n <= 0``)."""
    entries = _entries(memory)
    return entries[-n:] if n > 0 else []


def calculate_memory_size(memory: Iterable[MemoryEntry | Mapping[str, Any]]) -> int:
    """Total characters of content."""
    return sum(len(e.content) for e in _entries(memory))


def truncate_memory(memory: Iterable[MemoryEntry | Mapping[str, Any]], max_size: int) -> list[MemoryEntry]:
    """Drop the oldest entries until the total content is at most ``max_size`` characters."""
    entries = _entries(memory)
    total = sum(len(e.content) for e in entries)
    start = 0
    while start < len(entries) and total > max_size:
        total -= len(entries[start].content)
        start += 1
    return entries[start:]
