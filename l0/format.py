"""The ``Format`` namespace: every :mod:`l0.formatting` helper under a short name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from l0 import formatting as _f
from l0.formatting import (
    Alignment, ContextItem, ContextOptions, DelimiterType, DocumentMetadata, FunctionCall, JsonOutputOptions,
    MemoryEntry, MemoryFormatOptions, MemoryRole, MemoryStyle, OutputConstraints, OutputFormat,
    OutputFormatSectionOptions, ParameterType, StructuredOutputOptions, Tool, ToolFormatOptions,
    ToolFormatStyle, ToolParameter,
)
from l0.formatting import *  # noqa: F403  (the reference's l0.format re-exports the functions too)

__all__ = ["Format", *_f.__all__[5:]]


class Format:
    """Prompt formatting helpers (static methods; see :mod:`l0.formatting`)."""

    ContextOptions = ContextOptions
    ContextItem = ContextItem
    DocumentMetadata = DocumentMetadata
    DelimiterType = DelimiterType
    MemoryEntry = MemoryEntry
    MemoryFormatOptions = MemoryFormatOptions
    MemoryRole = MemoryRole
    MemoryStyle = MemoryStyle
    JsonOutputOptions = JsonOutputOptions
    StructuredOutputOptions = StructuredOutputOptions
    OutputConstraints = OutputConstraints
    OutputFormatSectionOptions = OutputFormatSectionOptions
    OutputFormat = OutputFormat
    Tool = Tool
    ToolParameter = ToolParameter
    ToolFormatOptions = ToolFormatOptions
    ToolFormatStyle = ToolFormatStyle
    ParameterType = ParameterType
    FunctionCall = FunctionCall
    Alignment = Alignment

    # -- context
    @staticmethod
    def context(
        content: str,
        *,
        label: str = "context",
        delimiter: DelimiterType = "xml",
        dedent: bool = True,
        normalize: bool = True,
        custom_delimiter_start: str | None = None,
        custom_delimiter_end: str | None = None,
    ) -> str:
        """:func:`~l0.formatting.context.format_context` (default label ``"context"``)."""
        return _f.format_context(
            content, label=label, delimiter=delimiter, dedent=dedent, normalize=normalize,
            custom_delimiter_start=custom_delimiter_start, custom_delimiter_end=custom_delimiter_end,
        )

    @staticmethod
    def contexts(items: Iterable[ContextItem | Mapping[str, Any]], *, delimiter: DelimiterType = "xml") -> str:
        return _f.format_multiple_contexts(items, delimiter=delimiter)

    @staticmethod
    def document(
        content: str, metadata: DocumentMetadata | Mapping[str, Any] | None = None, *, delimiter: DelimiterType = "xml"
    ) -> str:
        return _f.format_document(content, metadata, delimiter=delimiter)

    @staticmethod
    def instructions(instructions: str, *, delimiter: DelimiterType = "xml") -> str:
        return _f.format_instructions(instructions, delimiter=delimiter)

    escape_delimiters = staticmethod(_f.escape_delimiters)
    unescape_delimiters = staticmethod(_f.unescape_delimiters)

    # -- memory
    memory = staticmethod(_f.format_memory)
    memory_entry = staticmethod(_f.create_memory_entry)
    merge_memories = staticmethod(_f.merge_memory)
    filter_memory = staticmethod(_f.filter_memory_by_role)
    last_n_entries = staticmethod(_f.get_last_n_entries)
    memory_size = staticmethod(_f.calculate_memory_size)
    truncate_memory = staticmethod(_f.truncate_memory)

    # -- output
    json_output = staticmethod(_f.format_json_output)
    structured_output = staticmethod(_f.format_structured_output)
    output_constraints = staticmethod(_f.format_output_constraints)
    output_section = staticmethod(_f.create_output_format_section)
    extract_json = staticmethod(_f.extract_json_from_output)
    clean_output = staticmethod(_f.clean_output)
    validate_json = staticmethod(_f.validate_json_output)
    wrap_output = staticmethod(_f.wrap_output_instruction)

    # -- tools
    tool = staticmethod(_f.format_tool)
    tools = staticmethod(_f.format_tools)
    create_tool = staticmethod(_f.create_tool)
    parameter = staticmethod(_f.create_parameter)
    validate_tool = staticmethod(_f.validate_tool)
    parse_function_call = staticmethod(_f.parse_function_call)
    function_arguments = staticmethod(_f.format_function_arguments)

    # -- strings
    trim = staticmethod(_f.trim)
    escape = staticmethod(_f.escape)
    unescape = staticmethod(_f.unescape)
    escape_html = staticmethod(_f.escape_html)
    unescape_html = staticmethod(_f.unescape_html)
    escape_regex = staticmethod(_f.escape_regex)
    sanitize = staticmethod(_f.sanitize)
    truncate = staticmethod(_f.truncate)
    truncate_words = staticmethod(_f.truncate_words)
    wrap = staticmethod(_f.wrap)
    pad = staticmethod(_f.pad)
    remove_ansi = staticmethod(_f.remove_ansi)
