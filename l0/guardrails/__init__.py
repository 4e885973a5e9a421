"""Guardrails: rules that check streamed output, presets, the engine and the retry/halt decision.

Every built-in rule is a factory of per-stream state: ``rule.new_session()``
gives the runtime a fresh session per stream and attempt, and each session
reads only the text appended since its previous check (``state.buffer``).
See ``docs/guardrails.md``.
"""

from __future__ import annotations

from .detectors import (
    detect_excessive_hedging,
    detect_first_last_duplicate,
    detect_format_collapse,
    detect_instruction_leakage,
    detect_meta_commentary,
    detect_placeholders,
    detect_refusal,
    detect_repetition,
)
from .engine import (
    GuardrailEngine,
    GuardrailOutcome,
    check_guardrails,
    check_guardrails_full,
    create_guardrail_engine,
    evaluate_violations,
    logger,  # noqa: F401 - the reference module exposes its logger
    run_async_guardrail_check,
    run_guardrail_check_async,
)
from .json_rules import (
    IncrementalJsonState,
    JsonAnalysis,
    analyze_json_structure,
    json_rule,
    looks_like_json,
    strict_json_rule,
    update_json_state_incremental,
)
from .latex import LatexAnalysis, analyze_latex_structure, latex_rule, looks_like_latex
from .markdown import MarkdownAnalysis, analyze_markdown_structure, looks_like_markdown, markdown_rule
from .namespace import Guardrails
from .output import is_noise_only, is_zero_output, repetition_rule, stall_rule, zero_output_rule
from .patterns import BAD_PATTERNS, BadPatterns, custom_pattern_rule, find_bad_patterns, pattern_rule
from .presets import (
    json_only_guardrails,
    latex_only_guardrails,
    markdown_only_guardrails,
    minimal_guardrails,
    no_guardrails,
    recommended_guardrails,
    strict_guardrails,
)
from .types import (
    GuardrailConfig,
    GuardrailContext,
    GuardrailResult,
    GuardrailResultSummary,
    GuardrailRule,
    GuardrailState,
    GuardrailViolation,
    RuleSession,
    Severity,
)

Violation = GuardrailViolation

MINIMAL_GUARDRAILS = minimal_guardrails
RECOMMENDED_GUARDRAILS = recommended_guardrails
STRICT_GUARDRAILS = strict_guardrails
JSON_ONLY_GUARDRAILS = json_only_guardrails
MARKDOWN_ONLY_GUARDRAILS = markdown_only_guardrails
LATEX_ONLY_GUARDRAILS = latex_only_guardrails

__all__ = [
    "Severity", "GuardrailViolation", "Violation", "GuardrailContext", "GuardrailResultSummary", "GuardrailResult",
    "GuardrailState", "GuardrailConfig", "GuardrailRule", "RuleSession",
    "GuardrailEngine", "GuardrailOutcome", "evaluate_violations", "create_guardrail_engine", "check_guardrails",
    "check_guardrails_full", "run_async_guardrail_check", "run_guardrail_check_async",
    "json_rule", "strict_json_rule", "markdown_rule", "latex_rule", "pattern_rule", "custom_pattern_rule",
    "zero_output_rule", "stall_rule", "repetition_rule",
    "IncrementalJsonState", "update_json_state_incremental", "JsonAnalysis", "analyze_json_structure",
    "looks_like_json", "MarkdownAnalysis", "analyze_markdown_structure", "looks_like_markdown", "LatexAnalysis",
    "analyze_latex_structure", "looks_like_latex", "is_zero_output", "is_noise_only", "find_bad_patterns",
    "BadPatterns", "BAD_PATTERNS",
    "detect_meta_commentary", "detect_excessive_hedging", "detect_refusal", "detect_instruction_leakage",
    "detect_placeholders", "detect_format_collapse", "detect_repetition", "detect_first_last_duplicate",
    "minimal_guardrails", "recommended_guardrails", "strict_guardrails", "json_only_guardrails",
    "markdown_only_guardrails", "latex_only_guardrails", "no_guardrails",
    "MINIMAL_GUARDRAILS", "RECOMMENDED_GUARDRAILS", "STRICT_GUARDRAILS", "JSON_ONLY_GUARDRAILS",
    "MARKDOWN_ONLY_GUARDRAILS", "LATEX_ONLY_GUARDRAILS",
    "Guardrails",
]
