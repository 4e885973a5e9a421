"""Tool (function) definitions for prompts, and parsing of function calls in output."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ToolFormatStyle", "ParameterType", "ToolParameter", "Tool", "ToolFormatOptions", "FunctionCall",
    "create_parameter", "create_tool", "validate_tool", "format_tool", "format_tools",
    "parse_function_call", "format_function_arguments",
]

ToolFormatStyle = Literal["json-schema", "typescript", "natural", "xml"]
ParameterType = Literal["string", "number", "integer", "boolean", "array", "object"]
_TYPES = ("string", "number", "integer", "boolean", "array", "object")


@dataclass
class ToolParameter:
    """One parameter of a :class:`Tool`."""

    name: str
    type: ParameterType
    description: str = ""
    required: bool = False
    enum: list[Any] | None = None
    default: Any = None
    items: dict[str, Any] | None = None
    properties: dict[str, Any] | None = None


@dataclass
class Tool:
    """A tool (function) the model may call."""

    name: str
    description: str = ""
    parameters: list[ToolParameter] = field(default_factory=list)


@dataclass
class ToolFormatOptions:
    """Options of :func:`format_tool` (dicts also take ``includeTypes``/``includeExamples``)."""

    style: ToolFormatStyle = "json-schema"
    include_description: bool = True
    include_types: bool = True
    include_examples: bool = False


@dataclass
class FunctionCall:
    """A function call parsed from model output."""

    name: str
    arguments: dict[str, Any]


_IDENT = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_CAMEL = {"includeTypes": "include_types", "includeExamples": "include_examples",
          "includeDescription": "include_description"}


def create_parameter(
    name: str,
    param_type: ParameterType,
    description: str = "",
    required: bool = False,
    *,
    enum: list[Any] | None = None,
    default: Any = None,
    items: dict[str, Any] | None = None,
    properties: dict[str, Any] | None = None,
) -> ToolParameter:
    """A :class:`ToolParameter`."""
    return ToolParameter(name, param_type, description, required, enum, default, items, properties)


def create_tool(name: str, description: str, parameters: list[ToolParameter] | None = None) -> Tool:
    """A :class:`Tool`."""
    return Tool(name, description, list(parameters or []))


def _param(p: ToolParameter | Mapping[str, Any]) -> ToolParameter:
    if isinstance(p, ToolParameter):
        return p
    if isinstance(p, Mapping):
        known = ToolParameter.__dataclass_fields__
        return ToolParameter(**{k: v for k, v in p.items() if k in known})
    raise TypeError(f"tool parameters must be ToolParameter or dict, got {type(p).__name__}")


def _tool(tool: Tool | Mapping[str, Any]) -> Tool:
    if isinstance(tool, Tool):
        return tool
    if isinstance(tool, Mapping):
        return Tool(tool.get("name", ""), tool.get("description", ""),
                    [_param(p) for p in tool.get("parameters") or []])
    raise TypeError(f"tool must be a Tool or dict, got {type(tool).__name__}")


def _options(options: ToolFormatOptions | Mapping[str, Any] | None) -> ToolFormatOptions:
    if options is None:
        return ToolFormatOptions()
    if isinstance(options, ToolFormatOptions):
        return options
    if isinstance(options, Mapping):
        known = ToolFormatOptions.__dataclass_fields__
        return ToolFormatOptions(**{_CAMEL.get(k, k): v for k, v in options.items() if _CAMEL.get(k, k) in known})
    raise TypeError(f"options must be ToolFormatOptions, dict or None, got {type(options).__name__}")


def validate_tool(tool: Tool | Mapping[str, Any]) -> list[str]:
    """Problems with ``tool`` (empty list when valid)."""
    t = _tool(tool)
    errors = []
    if not t.name:
        errors.append("Tool name is required")
    elif not _IDENT.match(t.name):
        errors.append("Tool name must be a valid identifier")
    if not t.description:
        errors.append("Tool description is required")
    seen: set[str] = set()
    for p in map(_param, t.parameters):
        if not p.name:
            errors.append("Parameter name is required")
        elif not _IDENT.match(p.name):
            errors.append(f"Parameter {p.name} must be a valid identifier")
        if p.name in seen:
            errors.append(f"Duplicate parameter name: {p.name}")
        seen.add(p.name)
        if p.type not in _TYPES:
            errors.append(f"Parameter {p.name} has invalid type: {p.type}")
    return errors


def _json_schema(t: Tool, opts: ToolFormatOptions) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required = []
    for p in map(_param, t.parameters):
        prop: dict[str, Any] = {}
        if opts.include_types:
            prop["type"] = p.type
        if p.description:
            prop["description"] = p.description
        if p.enum:
            prop["enum"] = p.enum
        if p.default is not None:
            prop["default"] = p.default
        if p.type == "array" and p.items:
            prop["items"] = p.items
        if p.type == "object" and p.properties:
            prop["properties"] = p.properties
        props[p.name] = prop
        if p.required:
            required.append(p.name)
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    out: dict[str, Any] = {"name": t.name, "parameters": schema}
    if opts.include_description and t.description:
        out["description"] = t.description
    return out


_TS = {"integer": "number", "array": "any[]"}


def _typescript(t: Tool) -> str:
    params = sorted(map(_param, t.parameters), key=lambda p: (not p.required, p.name))
    args = ", ".join(f"{p.name}{'' if p.required else '?'}: {_TS.get(p.type, p.type)}" for p in params)
    line = f"function {t.name}({args}): void;"
    return f"// {t.description}\n{line}" if t.description else line


_EXAMPLE = {"string": "example", "number": 42, "integer": 42, "boolean": True, "array": [], "object": {}}


def _natural(t: Tool, examples: bool) -> str:
    lines = [f"Tool: {t.name}"]
    if t.description:
        lines.append(f"Description: {t.description}")
    lines += ["", "Parameters:"]
    params = list(map(_param, t.parameters))
    for p in params:
        line = f"  - {p.name} ({'required' if p.required else 'optional'}): {p.type}"
        if p.description:
            line += f" - {p.description}"
        if p.enum:
            line += f" [Options: {', '.join(map(str, p.enum))}]"
        if p.default is not None:
            line += f" [Default: {p.default}]"
        lines.append(line)
    if examples:
        sample = ", ".join(
            f"{json.dumps(p.name)}: {json.dumps(p.enum[0] if p.enum else _EXAMPLE.get(p.type, 'example'))}"
            for p in params if p.required
        )
        lines += ["", "Example usage:", f"  {t.name}({{ {sample} }})"]
    return "\n".join(lines)


def _xml_attr(value: object) -> str:
    return (str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def _xml(t: Tool) -> str:
    lines = [f'<tool name="{_xml_attr(t.name)}">']
    if t.description:
        lines.append(f"  <description>{_xml_attr(t.description)}</description>")
    params = list(map(_param, t.parameters))
    if params:
        lines.append("  <parameters>")
        for p in params:
            required = "true" if p.required else "false"
            attrs = f'name="{_xml_attr(p.name)}" type="{_xml_attr(p.type)}" required="{required}"'
            if p.description:
                attrs += f' description="{_xml_attr(p.description)}"'
            lines.append(f"    <parameter {attrs}/>")
        lines.append("  </parameters>")
    lines.append("</tool>")
    return "\n".join(lines)


def format_tool(
    tool: Tool | Mapping[str, Any], options: ToolFormatOptions | Mapping[str, Any] | None = None
) -> dict[str, Any] | str:
    """``tool`` in one style: json-schema gives a dict, typescript/natural/xml a string
    (an unknown style: natural)."""
    t = _tool(tool)
    opts = _options(options)
    if opts.style == "json-schema":
        return _json_schema(t, opts)
    if opts.style == "typescript":
        return _typescript(t)
    if opts.style == "xml":
        return _xml(t)
    return _natural(t, opts.include_examples)


def format_tools(
    tools: Iterable[Tool | Mapping[str, Any]], options: ToolFormatOptions | Mapping[str, Any] | None = None
) -> list[dict[str, Any]] | str:
    """Several tools: a list of dicts for json-schema, else strings joined by a ``=`` ruler."""
    opts = _options(options)
    formatted = [format_tool(t, opts) for t in tools]
    if opts.style == "json-schema":
        return formatted  # type: ignore[return-value]
    return ("\n\n" + "=" * 50 + "\n\n").join(formatted)  # type: ignore[arg-type]


_CALL = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*\(")
_CLOSERS = {"(": ")", "[": "]", "{": "}"}


def _call_args(text: str, start: int) -> str | None:
    """The text between ``text[start-1] == "("`` and its matching ``)`` (quote and bracket aware)."""
    stack = [")"]
    quote = ""
    i = start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in _CLOSERS:
            stack.append(_CLOSERS[ch])
        elif ch in ")]}":
            if ch == stack[-1]:
                stack.pop()
                if not stack:
                    return text[start:i]
        i += 1
    return None


def _split_top(text: str) -> list[str]:
    parts, depth, quote, cur = [], 0, "", []
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return parts


def _value(raw: str) -> Any:
    raw = raw.strip()
    if raw[:1] in "[{":
        try:
            return json.loads(raw)
        except ValueError:
            pass
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return raw


def parse_function_call(output: str) -> FunctionCall | None:
    """The first ``name(...)`` call in ``output``: JSON arguments become a dict (a non-dict
    value is ``{"_args": value}``), else ``key=value`` pairs; ``None`` when there is no call.

    The argument text runs to the matching ``)``, so ``f(a="x)y")`` and nested calls parse.
    """
    for match in _CALL.finditer(output):
        body = _call_args(output, match.end())
        if body is None:
            continue
        args = body.strip()
        arguments: dict[str, Any] = {}
        if args[:1] in "[{" and args:
            try:
                value = json.loads(args)
            except ValueError:
                value = None
            else:
                arguments = value if isinstance(value, dict) else {"_args": value}
                return FunctionCall(match.group(1), arguments)
        for part in _split_top(args) if args else []:
            key, eq, raw = part.partition("=")
            if eq and _IDENT.match(key.strip()):
                arguments[key.strip()] = _value(raw)
        return FunctionCall(match.group(1), arguments)
    return None


def format_function_arguments(arguments: dict[str, Any], pretty: bool = False) -> str:
    """``json.dumps(arguments)`` (indent 2 when ``pretty``)."""
    return json.dumps(arguments, indent=2 if pretty else None)
