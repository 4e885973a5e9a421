"""Output-format instructions for prompts, and cleaning of model output."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal, TypeVar

__all__ = [
    "OutputFormat", "JsonOutputOptions", "StructuredOutputOptions", "OutputConstraints",
    "OutputFormatSectionOptions", "format_json_output", "format_structured_output",
    "format_output_constraints", "wrap_output_instruction", "wrapOutputInstruction",
    "create_output_format_section", "extract_json_from_output", "clean_output", "validate_json_output",
]

OutputFormat = Literal["json", "yaml", "xml", "markdown", "plain"]


@dataclass
class JsonOutputOptions:
    """Options of :func:`format_json_output`."""

    strict: bool = False
    schema: Any = None
    example: Any = None


@dataclass
class StructuredOutputOptions:
    """Options of :func:`format_structured_output`."""

    strict: bool = False
    schema: Any = None
    example: Any = None


@dataclass
class OutputConstraints:
    """Constraints rendered by :func:`format_output_constraints` (lengths in characters)."""

    max_length: int | None = None
    min_length: int | None = None
    no_code_blocks: bool = False
    no_markdown: bool = False
    language: str | None = None
    tone: str | None = None


@dataclass
class OutputFormatSectionOptions:
    """Options of :func:`create_output_format_section`."""

    strict: bool = False
    schema: Any = None
    example: Any = None
    constraints: OutputConstraints | dict[str, Any] | None = None
    wrap: bool = True


_T = TypeVar("_T")
_CAMEL = {"maxLength": "max_length", "minLength": "min_length", "noCodeBlocks": "no_code_blocks",
          "noMarkdown": "no_markdown"}


def _opts(cls: type[_T], value: Any, name: str) -> _T:
    if value is None:
        return cls()
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{_CAMEL.get(k, k): v for k, v in value.items() if _CAMEL.get(k, k) in known})
    raise TypeError(f"{name} must be {cls.__name__}, dict or None, got {type(value).__name__}")


def _render(value: Any) -> str:
    # A dict/list schema is shown as JSON (the reference printed a Python repr with single quotes).
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


_STRICT_JSON = (
    "Respond with valid JSON only. Do not include any text before or after the JSON object.\n"
    "Do not wrap the JSON in markdown code blocks or backticks.\n"
    "Start your response with { and end with }."
)


def format_json_output(options: JsonOutputOptions | Mapping[str, Any] | None = None) -> str:
    """Instructions to answer in JSON, with an optional schema and example.

    The dict form also takes ``include_instructions`` (default True): False keeps
    only the schema and example parts.
    """
    include = True
    if isinstance(options, Mapping):
        include = bool(options.get("include_instructions", True))
    opts = _opts(JsonOutputOptions, options, "options")
    parts = []
    if include:
        parts.append(_STRICT_JSON if opts.strict else "Respond with valid JSON.")
    if opts.schema is not None:
        parts.append("Expected JSON schema:\n" + _render(opts.schema))
    if opts.example is not None:
        parts.append("Example output:\n" + _render(opts.example))
    return "\n\n".join(parts)


def format_structured_output(
    format_type: OutputFormat, options: StructuredOutputOptions | Mapping[str, Any] | None = None
) -> str:
    """Instructions to answer in ``format_type`` (named in upper case)."""
    if not isinstance(format_type, str) or not format_type:
        raise ValueError(f"format_type must be one of 'json', 'yaml', 'xml', 'markdown', 'plain'; got {format_type!r}")
    opts = _opts(StructuredOutputOptions, options, "options")
    fmt = format_type.upper()
    if opts.strict:
        text = (f"Respond with valid {fmt} only. Do not include any text before or after the {fmt}. "
                "Do not wrap in code blocks.")
    else:
        text = f"Respond with {fmt}."
    if opts.schema is not None:
        text += "\n\nUse this schema:\n" + _render(opts.schema)
    if opts.example is not None:
        text += "\n\nExample:\n" + _render(opts.example)
    return text


def format_output_constraints(constraints: OutputConstraints | Mapping[str, Any]) -> str:
    """One sentence per set constraint, one per line (dicts also take camelCase keys)."""
    c = _opts(OutputConstraints, constraints, "constraints")
    lines = []
    if c.max_length is not None:
        lines.append(f"Keep your response under {c.max_length} characters.")
    if c.min_length is not None:
        lines.append(f"Provide at least {c.min_length} characters in your response.")
    if c.no_code_blocks:
        lines.append("Do not use code blocks or backticks.")
    if c.no_markdown:
        lines.append("Do not use Markdown formatting.")
    if c.language:
        lines.append(f"Respond in {c.language}.")
    if c.tone:
        lines.append(f"Use a {c.tone} tone.")
    return "\n".join(lines)


def wrap_output_instruction(instruction: str) -> str:
    """``<output_format>\\n{instruction}\\n</output_format>``."""
    return f"<output_format>\n{instruction}\n</output_format>"


wrapOutputInstruction = wrap_output_instruction


def create_output_format_section(
    format_type: OutputFormat, options: OutputFormatSectionOptions | Mapping[str, Any] | None = None
) -> str:
    """Format instructions plus constraints (after a blank line), wrapped unless ``wrap=False``."""
    opts = _opts(OutputFormatSectionOptions, options, "options")
    if format_type == "json":
        text = format_json_output(JsonOutputOptions(opts.strict, opts.schema, opts.example))
    else:
        text = format_structured_output(format_type, StructuredOutputOptions(opts.strict, opts.schema, opts.example))
    if opts.constraints is not None:
        extra = format_output_constraints(opts.constraints)
        if extra:
            text += "\n\n" + extra
    return wrap_output_instruction(text) if opts.wrap else text


_FENCE = re.compile(r"```(?:[^\n`]*)?\s*\n?(.*?)\n?```", re.DOTALL)


def _balanced_end(text: str, start: int) -> int:
    """Index after the bracket closing ``text[start]`` (strings skipped), or -1."""
    opener = text[start]
    closer = "}" if opener == "{" else "]"
    depth = 0
    in_string = False
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == opener:
            depth += 1
        elif ch == closer:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def _parses(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def extract_json_from_output(output: str) -> str:
    """The first JSON value in ``output``: a fenced block that parses, else the first
    balanced ``{...}``/``[...]`` that parses, else the stripped output."""
    for match in _FENCE.finditer(output):
        body = match.group(1).strip()
        if body and _parses(body):
            return body
    text = output.strip()
    i = 0
    while True:
        brace, bracket = text.find("{", i), text.find("[", i)
        starts = [p for p in (brace, bracket) if p >= 0]
        if not starts:
            return text
        start = min(starts)
        end = _balanced_end(text, start)
        if end > 0 and _parses(text[start:end]):
            return text[start:end]
        i = start + 1


_KEYWORD = r"(?:result|output|response|answer|json|data)"
_HERE = r"here(?:'s|\s+is)"
_PREFIXES = [
    re.compile(rf"^(?:sure,?\s*)?{_HERE}\s+(?:the\s+)?{_KEYWORD}\b\s*:?\s*", re.I),
    re.compile(rf"^(?:the\s+)?{_KEYWORD}\s+is\b\s*:?\s*", re.I),
    re.compile(r"^(?:i\s+)?(?:will\s+)?(?:provide|give|return|output)\b\s*:?\s*", re.I),
    re.compile(rf"^(?:based\s+on\b[^,\n]*,?\s*)?{_HERE}\b\s*:?\s*", re.I),
]


def clean_output(output: str) -> str:
    """The answer without chatter: a fenced block's body if there is one, else the
    output with "Here is the result:"-style prefixes removed (each checked once, in order)."""
    text = output.strip()
    fence = _FENCE.search(text)
    if fence:
        return fence.group(1).strip()
    for pattern in _PREFIXES:
        text = pattern.sub("", text, count=1).strip()
    return text


def validate_json_output(output: str) -> tuple[bool, str | None]:
    """``(True, None)`` if ``output`` parses as JSON, else ``(False, error message)``."""
    try:
        json.loads(output)
    except ValueError as exc:
        return False, str(exc)
    return True, None
