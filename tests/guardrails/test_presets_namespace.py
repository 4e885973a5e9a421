"""Presets, the Guardrails namespace and the public names of l0.guardrails."""

from __future__ import annotations

import pytest

import l0.guardrails as g
from l0.guardrails import Guardrails

PRESETS = {
    "minimal": ["json", "zero_output"],
    "recommended": ["json", "markdown", "pattern", "zero_output"],
    "strict": ["json", "strict_json", "markdown", "latex", "pattern", "zero_output", "stall", "repetition"],
    "json_only": ["json", "strict_json", "zero_output"],
    "markdown_only": ["markdown", "zero_output"],
    "latex_only": ["latex", "zero_output"],
    "none": [],
}
ALIASES = {
    "MINIMAL_GUARDRAILS": "minimal", "RECOMMENDED_GUARDRAILS": "recommended", "STRICT_GUARDRAILS": "strict",
    "JSON_ONLY_GUARDRAILS": "json_only", "MARKDOWN_ONLY_GUARDRAILS": "markdown_only",
    "LATEX_ONLY_GUARDRAILS": "latex_only",
}


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_build_fresh_rules(name, gr):
    preset = getattr(Guardrails, name)
    first, second = preset(), preset()
    assert [r.name for r in first] == PRESETS[name]
    assert all(a is not b for a, b in zip(first, second))
    for rule in first:  # every rule of every preset runs through a stream
        gr.run_stream(rule, gr.chunked('{"answer": "Sure, 42"}\n', 4))


@pytest.mark.parametrize("alias, name", list(ALIASES.items()))
def test_preset_aliases_are_callables(alias, name):
    assert [r.name for r in getattr(g, alias)()] == PRESETS[name]
    assert [r.name for r in g.recommended_guardrails()] == PRESETS["recommended"]
    assert [r.name for r in g.strict_guardrails()] == PRESETS["strict"]


def test_preset_rules_do_what_they_say(gr):
    _, final, _ = gr.run_stream(Guardrails.json_only()[1], ['{"a": ', "1"])
    assert [v.rule for v in final] == ["strict_json"]
    rules = Guardrails.strict()
    assert [(r.streaming, r.severity) for r in rules] == [
        (True, "error"), (False, "error"), (True, "error"), (True, "error"), (True, "warning"),
        (False, "error"), (True, "warning"), (True, "error")]


NAMESPACE = [
    "BAD_PATTERNS", "Rule", "Violation", "Context", "Result", "ResultSummary", "State", "Config", "Engine",
    "JsonAnalysis", "MarkdownAnalysis", "LatexAnalysis", "minimal", "recommended", "strict", "json_only",
    "markdown_only", "latex_only", "none", "json", "strict_json", "markdown", "latex", "pattern", "custom_pattern",
    "zero_output", "stall", "repetition", "analyze_json", "analyze_markdown", "analyze_latex", "looks_like_json",
    "looks_like_markdown", "looks_like_latex", "is_zero_output", "is_noise_only", "find_patterns",
    "detect_meta_commentary", "detect_excessive_hedging", "detect_refusal", "detect_instruction_leakage",
    "detect_placeholders", "detect_format_collapse", "detect_repetition", "detect_first_last_duplicate",
    "create_engine", "check", "check_full", "run_async_check", "run_check_async",
]


def test_namespace_members():
    for name in NAMESPACE:
        assert hasattr(Guardrails, name), name
    assert Guardrails.BAD_PATTERNS is g.BAD_PATTERNS
    assert Guardrails.State is g.GuardrailState and Guardrails.Rule is g.GuardrailRule
    assert Guardrails.json().name == "json"
    assert Guardrails.custom_pattern(["x"], "m", "warning").severity == "warning"
    assert Guardrails.repetition(10, 0.9, sentence_check=False).name == "repetition"


MODULE_NAMES = [
    "Guardrails", "GuardrailRule", "GuardrailViolation", "Violation", "GuardrailContext", "GuardrailResult",
    "GuardrailResultSummary", "GuardrailState", "GuardrailConfig", "GuardrailEngine", "Severity", "BadPatterns",
    "BAD_PATTERNS", "IncrementalJsonState", "JsonAnalysis", "MarkdownAnalysis", "LatexAnalysis",
    "analyze_json_structure", "analyze_markdown_structure", "analyze_latex_structure", "looks_like_json",
    "looks_like_markdown", "looks_like_latex", "is_zero_output", "is_noise_only", "find_bad_patterns",
    "update_json_state_incremental", "json_rule", "strict_json_rule", "markdown_rule", "latex_rule", "pattern_rule",
    "custom_pattern_rule", "zero_output_rule", "stall_rule", "repetition_rule", "detect_meta_commentary",
    "detect_excessive_hedging", "detect_refusal", "detect_instruction_leakage", "detect_placeholders",
    "detect_format_collapse", "detect_repetition", "detect_first_last_duplicate", "check_guardrails",
    "check_guardrails_full", "create_guardrail_engine", "run_async_guardrail_check", "run_guardrail_check_async",
    "minimal_guardrails", "recommended_guardrails", "strict_guardrails", *ALIASES,
    "evaluate_violations", "GuardrailOutcome", "RuleSession",
]


def test_module_exports_every_reference_name():
    for name in MODULE_NAMES:
        assert hasattr(g, name), name
        assert name in g.__all__, name
    assert g.Violation is g.GuardrailViolation
