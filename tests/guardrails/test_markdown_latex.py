"""Markdown and LaTeX analysis helpers and their incremental rules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l0.guardrails import (
    analyze_latex_structure,
    analyze_markdown_structure,
    latex_rule,
    looks_like_latex,
    looks_like_markdown,
    markdown_rule,
)

MD_PIECES = ["```", "```py", "~~~", "| a | b |", "|---|---|", "| 1 | 2 | 3 |", "|:-|", "text", " ", "\n", "\n\n",
             "  ```js", "| x |"]
TEX_PIECES = ["\\begin{eq}", "\\end{eq}", "\\begin{x}", "\\end{x}", "$", "$$", "\\[", "\\]", "\\$", "\\alpha",
              "\\frac{1}{2}", "text", " ", "\n", "\\end{", "y}", "\\beg", "in{z}"]


def test_analyze_markdown_reference_vector():
    a = analyze_markdown_structure("| a | b |\n|---|---|\n| 1 | 2 | 3 |\n```py\ncode")
    assert (a.in_fence, a.open_fences, a.close_fences, a.fence_languages, a.table_rows, a.inconsistent_columns,
            a.is_balanced) == (True, 1, 0, ["py"], 2, True, False)
    assert a.issues == ["Inconsistent table columns at line 3", "Unclosed code fence"]


def test_analyze_markdown_fences_toggle_regardless_of_kind():
    a = analyze_markdown_structure("```\ncode\n~~~js\nafter")
    assert (a.open_fences, a.close_fences, a.in_fence, a.fence_languages, a.issues) == (1, 1, False, [], [])


@pytest.mark.parametrize("text, expected", [
    ("# Title", True), ("- item", True), ("1. first", True), ("[a](b)", True), ("| a |", True),
    ("**bold**", True), ("plain words only", False), ("", False),
])
def test_looks_like_markdown(text, expected):
    assert looks_like_markdown(text) is expected


def test_markdown_rule_reports_at_completion_only(gr):
    r = markdown_rule()
    assert (r.name, r.streaming, r.description) == ("markdown", True, "Validates Markdown structure")
    text = "| a | b |\n|---|---|\n| 1 | 2 | 3 |\n```py\ncode"
    streamed, final, _ = gr.run_stream(r, gr.chunked(text, 3))
    assert streamed == []
    assert [(v.message, v.severity) for v in final] == [("Inconsistent table columns at line 3", "warning"),
                                                          ("Unclosed code fence", "error")]
    assert gr.run_stream(markdown_rule(), ["   ", "\n"])[1] == []


@given(st.lists(st.sampled_from(MD_PIECES), max_size=30), st.integers(1, 8), st.integers(1, 3))
@settings(max_examples=200, deadline=None)
def test_markdown_rule_matches_whole_text_analysis(gr, pieces, size, every):
    text = "".join(pieces)
    _, final, _ = gr.run_stream(markdown_rule(), gr.chunked(text, size), every)
    expected = [] if not text.strip() else analyze_markdown_structure(text).issues
    assert [v.message for v in final] == expected


def test_analyze_latex_structure():
    a = analyze_latex_structure("\\begin{a}\\begin{b}\\end{a}\\end{c}$$x$$ \\[ $y")
    assert a.issues == ["Mismatched environment: expected \\end{b}, got \\end{a}",
                        "Mismatched environment: expected \\end{a}, got \\end{c}",
                        "Unbalanced bracket math: 1 \\[ vs 0 \\]", "Unbalanced inline math ($)"]
    assert (a.is_balanced, a.open_environments, a.display_math_balanced, a.bracket_math_balanced,
            a.inline_math_balanced) == (False, [], True, False, False)
    b = analyze_latex_structure("\\end{x} \\begin{y}\\begin{z} $$ $$$ $$ \\$")
    assert b.issues == ["Unexpected \\end{x} without matching \\begin", "Unclosed environments: y, z"]
    assert b.open_environments == ["y", "z"]


@pytest.mark.parametrize("text, expected", [
    ("\\alpha", True), ("$$x$$", True), ("\\usepackage{x}", True), ("cost is $5", False), ("plain", False),
])
def test_looks_like_latex(text, expected):
    assert looks_like_latex(text) is expected


def test_latex_rule_streams_environment_errors_once(gr):
    r = latex_rule()
    assert (r.name, r.streaming, r.description) == ("latex", True, "Validates LaTeX environments and math")
    text = "\\begin{a} x \\end{b} " + "filler " * 40 + "$x"
    streamed, final, _ = gr.run_stream(r, gr.chunked(text, 5))
    assert [(v.message, v.position) for v in streamed] == [
        ("Mismatched environment: expected \\end{a}, got \\end{b}", 12)]
    assert [v.message for v in final] == ["Unbalanced inline math ($)"]


def test_latex_rule_ignores_non_latex(gr):
    streamed, final, _ = gr.run_stream(latex_rule(), ["price: $5 and ", "$6 and $7"])
    assert streamed == [] and final == []


@given(st.lists(st.sampled_from(TEX_PIECES), max_size=30), st.integers(1, 8), st.integers(1, 3))
@settings(max_examples=200, deadline=None)
def test_latex_rule_matches_whole_text_analysis(gr, pieces, size, every):
    text = "".join(pieces)
    streamed, final, _ = gr.run_stream(latex_rule(), gr.chunked(text, size), every)
    expected = analyze_latex_structure(text).issues if looks_like_latex(text) else []
    assert sorted(v.message for v in streamed + final) == sorted(expected)
    assert all("Mismatched" in v.message or "Unexpected" in v.message for v in streamed)
