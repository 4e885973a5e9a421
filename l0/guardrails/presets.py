"""Preset rule lists. Every call builds fresh rule objects."""

from __future__ import annotations

from .json_rules import json_rule, strict_json_rule
from .latex import latex_rule
from .markdown import markdown_rule
from .output import repetition_rule, stall_rule, zero_output_rule
from .patterns import pattern_rule
from .types import GuardrailRule

__all__ = [
    "minimal_guardrails",
    "recommended_guardrails",
    "strict_guardrails",
    "json_only_guardrails",
    "markdown_only_guardrails",
    "latex_only_guardrails",
    "no_guardrails",
]


def minimal_guardrails() -> list[GuardrailRule]:
    """json, zero_output."""
    return [json_rule(), zero_output_rule()]


def recommended_guardrails() -> list[GuardrailRule]:
    """json, markdown, pattern, zero_output."""
    return [json_rule(), markdown_rule(), pattern_rule(), zero_output_rule()]


def strict_guardrails() -> list[GuardrailRule]:
    """json, strict_json, markdown, latex, pattern, zero_output, stall, repetition."""
    return [json_rule(), strict_json_rule(), markdown_rule(), latex_rule(), pattern_rule(), zero_output_rule(),
            stall_rule(), repetition_rule()]


def json_only_guardrails() -> list[GuardrailRule]:
    """json, strict_json, zero_output."""
    return [json_rule(), strict_json_rule(), zero_output_rule()]


def markdown_only_guardrails() -> list[GuardrailRule]:
    """markdown, zero_output."""
    return [markdown_rule(), zero_output_rule()]


def latex_only_guardrails() -> list[GuardrailRule]:
    """latex, zero_output."""
    return [latex_rule(), zero_output_rule()]


def no_guardrails() -> list[GuardrailRule]:
    """An empty list."""
    return []
