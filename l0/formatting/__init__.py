"""Prompt-building and output-cleaning helpers (``l0.formatting``).

Submodules: :mod:`~l0.formatting.context`, :mod:`~l0.formatting.memory`,
:mod:`~l0.formatting.output`, :mod:`~l0.formatting.tools`,
:mod:`~l0.formatting.strings`. ``l0.Format`` gathers them in one namespace.
"""

from __future__ import annotations

from . import context, memory, output, strings, tools
from .context import (
    ContextItem, ContextOptions, DelimiterType, DocumentMetadata, escape_delimiters, format_context,
    format_document, format_instructions, format_multiple_contexts, unescape_delimiters,
)
from .memory import (
    MemoryEntry, MemoryFormatOptions, MemoryRole, MemoryStyle, calculate_memory_size, create_memory_entry,
    filter_memory_by_role, format_memory, get_last_n_entries, merge_memory, truncate_memory,
)
from .output import (
    JsonOutputOptions, OutputConstraints, OutputFormat, OutputFormatSectionOptions, StructuredOutputOptions,
    clean_output, create_output_format_section, extract_json_from_output, format_json_output,
    format_output_constraints, format_structured_output, validate_json_output, wrap_output_instruction,
    wrapOutputInstruction,
)
from .strings import (
    Alignment, escape, escape_html, escape_regex, pad, remove_ansi, sanitize, trim, truncate, truncate_words,
    unescape, unescape_html, wrap,
)
from .tools import (
    FunctionCall, ParameterType, Tool, ToolFormatOptions, ToolFormatStyle, ToolParameter, create_parameter,
    create_tool, format_function_arguments, format_tool, format_tools, parse_function_call, validate_tool,
)

__all__ = [
    "context", "memory", "output", "strings", "tools",
    *context.__all__, *memory.__all__, *output.__all__, *strings.__all__, *tools.__all__,
]
