"""Re-exports of the guardrails names (the reference's ``l0.api.guardrails`` path)."""

from __future__ import annotations

from l0.guardrails import (
    JSON_ONLY_GUARDRAILS, LATEX_ONLY_GUARDRAILS, MARKDOWN_ONLY_GUARDRAILS, MINIMAL_GUARDRAILS,
    RECOMMENDED_GUARDRAILS, STRICT_GUARDRAILS, GuardrailRule, Guardrails, GuardrailViolation,
    Violation, JsonAnalysis, LatexAnalysis, MarkdownAnalysis, custom_pattern_rule, pattern_rule,
)

__all__ = [
    "JSON_ONLY_GUARDRAILS", "LATEX_ONLY_GUARDRAILS", "MARKDOWN_ONLY_GUARDRAILS",
    "MINIMAL_GUARDRAILS", "RECOMMENDED_GUARDRAILS", "STRICT_GUARDRAILS", "GuardrailRule",
    "Guardrails", "GuardrailViolation", "Violation", "JsonAnalysis", "LatexAnalysis",
    "MarkdownAnalysis", "custom_pattern_rule", "pattern_rule",
]
