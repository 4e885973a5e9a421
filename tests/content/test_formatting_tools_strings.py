"""l0.formatting.tools and .strings: exact outputs of every style and helper."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from l0.format import Format
from l0.formatting import (
    FunctionCall, Tool, ToolFormatOptions, ToolParameter, create_parameter, create_tool, escape, escape_html,
    escape_regex, format_function_arguments, format_tool, format_tools, pad, parse_function_call, remove_ansi,
    sanitize, trim, truncate, truncate_words, unescape, unescape_html, validate_tool, wrap,
)


@pytest.fixture
def weather() -> Tool:
    """A tool with one parameter of each kind of detail."""
    return create_tool("get_weather", "Get weather", [
        create_parameter("location", "string", "City", True),
        create_parameter("units", "string", "Units", enum=["c", "f"], default="c"),
        create_parameter("days", "integer"),
        create_parameter("tags", "array", "Tags", items={"type": "string"}),
        create_parameter("opts", "object", "Opts", properties={"a": {"type": "number"}}),
        create_parameter("flag", "boolean", "A flag", True),
    ])


def test_json_schema_style(weather: Tool) -> None:
    assert format_tool(weather) == {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {
            "location": {"type": "string", "description": "City"},
            "units": {"type": "string", "description": "Units", "enum": ["c", "f"], "default": "c"},
            "days": {"type": "integer"},
            "tags": {"type": "array", "description": "Tags", "items": {"type": "string"}},
            "opts": {"type": "object", "description": "Opts", "properties": {"a": {"type": "number"}}},
            "flag": {"type": "boolean", "description": "A flag"},
        }, "required": ["location", "flag"]},
        "description": "Get weather",
    }
    bare = format_tool(weather, {"include_types": False, "include_description": False})
    assert "description" not in bare and bare["parameters"]["properties"]["days"] == {}
    assert format_tool(create_tool("n", "", [])) == {"name": "n", "parameters": {"type": "object", "properties": {}}}


def test_typescript_style(weather: Tool) -> None:
    assert format_tool(weather, {"style": "typescript"}) == (
        "// Get weather\nfunction get_weather(flag: boolean, location: string, days?: number, opts?: object, "
        "tags?: any[], units?: string): void;")
    assert format_tool(create_tool("n", "", []), {"style": "typescript"}) == "function n(): void;"


NATURAL = (
    "Tool: get_weather\nDescription: Get weather\n\nParameters:\n"
    "  - location (required): string - City\n"
    "  - units (optional): string - Units [Options: c, f] [Default: c]\n"
    "  - days (optional): integer\n"
    "  - tags (optional): array - Tags\n"
    "  - opts (optional): object - Opts\n"
    "  - flag (required): boolean - A flag"
)


def test_natural_style(weather: Tool) -> None:
    assert format_tool(weather, {"style": "natural"}) == NATURAL
    assert format_tool(weather, ToolFormatOptions(style="natural", include_examples=True)) == (
        NATURAL + '\n\nExample usage:\n  get_weather({ "location": "example", "flag": true })')
    assert format_tool(weather, {"style": "natural", "includeExamples": True}).endswith("true })")
    assert format_tool(weather, {"style": "bogus"}) == NATURAL
    assert format_tool(create_tool("n", "", []), {"style": "natural"}) == "Tool: n\n\nParameters:"
    kinds = [create_parameter(t, t, required=True) for t in ("string", "number", "integer", "boolean", "array", "object")]
    assert format_tool(create_tool("f", "d", kinds), {"style": "natural", "include_examples": True}).endswith(
        'f({ "string": "example", "number": 42, "integer": 42, "boolean": true, "array": [], "object": {} })')
    enum_ints = create_tool("n", "", [create_parameter("p", "integer", enum=[1, 2], default=0)])
    assert format_tool(enum_ints, {"style": "natural"}) == (
        "Tool: n\n\nParameters:\n  - p (optional): integer [Options: 1, 2] [Default: 0]")


def test_xml_style(weather: Tool) -> None:
    out = format_tool(create_tool("n", 'a "q" <x>', [create_parameter("p", "string", 'd "<&')]), {"style": "xml"})
    assert out == (
        '<tool name="n">\n  <description>a &quot;q&quot; &lt;x&gt;</description>\n  <parameters>\n'
        '    <parameter name="p" type="string" required="false" description="d &quot;&lt;&amp;"/>\n'
        "  </parameters>\n</tool>")
    assert format_tool(create_tool("n", "", []), {"style": "xml"}) == '<tool name="n">\n</tool>'
    assert '<parameter name="location" type="string" required="true" description="City"/>' in format_tool(
        weather, {"style": "xml"})


def test_format_tools(weather: Tool) -> None:
    b = create_tool("b", "B")
    assert format_tools([weather, b], {"style": "typescript"}) == (
        format_tool(weather, {"style": "typescript"}) + "\n\n" + "=" * 50 + "\n\n// B\nfunction b(): void;")
    assert format_tools([weather, b]) == [format_tool(weather), format_tool(b)]
    assert format_tools([], {"style": "natural"}) == ""
    assert Format.tools([b], {"style": "typescript"}) == "// B\nfunction b(): void;"


def test_dict_tools_are_accepted() -> None:
    tool = {"name": "ok", "description": "d", "parameters": [{"name": "p", "type": "string", "required": True}]}
    assert validate_tool(tool) == []
    assert format_tool(tool, {"style": "typescript"}) == "// d\nfunction ok(p: string): void;"


def test_validate_tool() -> None:
    bad = create_tool("1bad", "", [create_parameter("x y", "weird"), create_parameter("a", "string"),
                                   create_parameter("a", "string")])  # type: ignore[arg-type]
    assert validate_tool(bad) == [
        "Tool name must be a valid identifier", "Tool description is required",
        "Parameter x y must be a valid identifier", "Parameter x y has invalid type: weird",
        "Duplicate parameter name: a"]
    assert Format.validate_tool(create_tool("", "d")) == ["Tool name is required"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('get_weather({"location": "NYC"})', FunctionCall("get_weather", {"location": "NYC"})),
        ("call f(a=1, b=\"x, y\", c=[1,2], d={\"k\": 2}, e='q')",
         FunctionCall("f", {"a": "1", "b": "x, y", "c": [1, 2], "d": {"k": 2}, "e": "q"})),
        ("noop()", FunctionCall("noop", {})),
        ("f([1,2])", FunctionCall("f", {"_args": [1, 2]})),
        ("no call here", None),
        ("f(1, 2)", FunctionCall("f", {})),
        ("f(x = 3)", FunctionCall("f", {"x": "3"})),
        ('f({"a": {"b": 1}})', FunctionCall("f", {"a": {"b": 1}})),
        ('f(a="x)y")', FunctionCall("f", {"a": "x)y"})),  # the reference stopped at the quoted ")"
        ("outer(inner(1))", FunctionCall("outer", {})),
    ],
)
def test_parse_function_call(text: str, expected: FunctionCall | None) -> None:
    assert parse_function_call(text) == expected
    assert Format.parse_function_call(text) == expected


def test_function_arguments_and_constructors() -> None:
    assert format_function_arguments({"a": 1, "b": [1]}) == '{"a": 1, "b": [1]}'
    assert Format.function_arguments({"a": 1}, pretty=True) == '{\n  "a": 1\n}'
    assert Format.parameter("p", "string", "d", True) == ToolParameter("p", "string", "d", True)
    assert Format.create_tool("t", "d") == Tool("t", "d", [])
    assert Format.tool(Tool("t", "d"), {"style": "typescript"}) == "// d\nfunction t(): void;"


def test_string_helpers() -> None:
    assert escape('a\\b\n"c"\t\r') == 'a\\\\b\\n\\"c\\"\\t\\r'
    assert unescape("a\\\\nb") == "a\\nb"
    assert escape_html("<a href='x'>&\"</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
    assert unescape_html("&lt;&gt;&amp;&quot;&#39;&#x27;&amp;lt;") == "<>&\"''&lt;"
    assert escape_regex("a.b*c") == "a\\.b\\*c"
    assert sanitize("a\x00b\x07c\td\ne\rf\x1f\x7fg") == "abc\td\ne\rfg"
    assert trim("  x  ") == "x"
    assert remove_ansi("\x1b[31mred\x1b[0m \x1b[1;2Hx") == "red x"
    assert wrap("The quick brown-fox jumps", 10) == "The quick\nbrown-fox\njumps"


@pytest.mark.parametrize(
    ("n", "plain", "words"),
    [(0, "", ""), (2, "..", ".."), (3, "...", "..."), (5, "he...", "he..."), (8, "hello...", "hello..."),
     (11, "hello world", "hello..."), (20, "hello world", "hello big world")],
)
def test_truncate(n: int, plain: str, words: str) -> None:
    assert truncate("hello world", n) == plain
    assert truncate_words("hello big world", n) == words
    assert Format.truncate_words("helloworld", 6) == "hel..."
    assert Format.truncate("hello world", 6, suffix="…") == "hello…"


def test_truncate_rejects_negative_length() -> None:
    with pytest.raises(ValueError, match="max_length must be an int >= 0"):
        truncate("abc", -1)


@pytest.mark.parametrize(
    ("align", "expected"), [("left", "abc**"), ("right", "**abc"), ("center", "*abc*")])
def test_pad(align: str, expected: str) -> None:
    assert pad("abc", 5, "*-", align) == expected  # type: ignore[arg-type]
    assert pad("ab", 5, "*", "center") == "*ab**"
    assert pad("abc", 2) == "abc" and pad("abc", 5, "") == "abc  "
    assert Format.pad("abc", 4, align=align) == {"left": "abc ", "right": " abc", "center": "abc "}[align]
    with pytest.raises(ValueError, match="align"):
        pad("a", 3, align="middle")  # type: ignore[arg-type]


@given(st.text(max_size=40))
def test_unescape_inverts_escape(s: str) -> None:
    assert unescape(escape(s)) == s
    assert unescape_html(escape_html(s)) == s


def test_format_namespace_has_every_reference_member() -> None:
    members = ("context contexts document instructions escape_delimiters unescape_delimiters memory memory_entry "
               "merge_memories filter_memory last_n_entries memory_size truncate_memory json_output "
               "structured_output output_constraints output_section extract_json clean_output validate_json "
               "wrap_output tool tools create_tool parameter validate_tool parse_function_call function_arguments "
               "trim escape unescape escape_html unescape_html escape_regex sanitize truncate truncate_words wrap "
               "pad remove_ansi ContextOptions ContextItem DocumentMetadata DelimiterType MemoryEntry "
               "MemoryFormatOptions MemoryRole MemoryStyle JsonOutputOptions StructuredOutputOptions "
               "OutputConstraints OutputFormatSectionOptions OutputFormat Tool ToolParameter ToolFormatOptions "
               "ToolFormatStyle ParameterType FunctionCall Alignment").split()
    assert [m for m in members if not hasattr(Format, m)] == []
