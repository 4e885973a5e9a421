"""The ``Guardrails`` namespace: presets, rule factories, analysis, detectors, engine."""

from __future__ import annotations

from . import detectors as _d
from . import engine as _e
from . import json_rules as _j
from . import latex as _l
from . import markdown as _m
from . import output as _o
from . import patterns as _p
from . import presets as _pr
from . import types as _t

__all__ = ["Guardrails"]


class Guardrails:
    """Everything guardrail-related under one name (``Guardrails.recommended()`` ...)."""

    BAD_PATTERNS = _p.BAD_PATTERNS

    Rule = _t.GuardrailRule
    Violation = _t.GuardrailViolation
    Context = _t.GuardrailContext
    Result = _t.GuardrailResult
    ResultSummary = _t.GuardrailResultSummary
    State = _t.GuardrailState
    Config = _t.GuardrailConfig
    Engine = _e.GuardrailEngine
    JsonAnalysis = _j.JsonAnalysis
    MarkdownAnalysis = _m.MarkdownAnalysis
    LatexAnalysis = _l.LatexAnalysis

    minimal = staticmethod(_pr.minimal_guardrails)
    recommended = staticmethod(_pr.recommended_guardrails)
    strict = staticmethod(_pr.strict_guardrails)
    json_only = staticmethod(_pr.json_only_guardrails)
    markdown_only = staticmethod(_pr.markdown_only_guardrails)
    latex_only = staticmethod(_pr.latex_only_guardrails)
    none = staticmethod(_pr.no_guardrails)

    json = staticmethod(_j.json_rule)
    strict_json = staticmethod(_j.strict_json_rule)
    markdown = staticmethod(_m.markdown_rule)
    latex = staticmethod(_l.latex_rule)
    pattern = staticmethod(_p.pattern_rule)
    custom_pattern = staticmethod(_p.custom_pattern_rule)
    zero_output = staticmethod(_o.zero_output_rule)
    stall = staticmethod(_o.stall_rule)
    repetition = staticmethod(_o.repetition_rule)

    analyze_json = staticmethod(_j.analyze_json_structure)
    analyze_markdown = staticmethod(_m.analyze_markdown_structure)
    analyze_latex = staticmethod(_l.analyze_latex_structure)
    looks_like_json = staticmethod(_j.looks_like_json)
    looks_like_markdown = staticmethod(_m.looks_like_markdown)
    looks_like_latex = staticmethod(_l.looks_like_latex)
    is_zero_output = staticmethod(_o.is_zero_output)
    is_noise_only = staticmethod(_o.is_noise_only)
    find_patterns = staticmethod(_p.find_bad_patterns)

    detect_meta_commentary = staticmethod(_d.detect_meta_commentary)
    detect_excessive_hedging = staticmethod(_d.detect_excessive_hedging)
    detect_refusal = staticmethod(_d.detect_refusal)
    detect_instruction_leakage = staticmethod(_d.detect_instruction_leakage)
    detect_placeholders = staticmethod(_d.detect_placeholders)
    detect_format_collapse = staticmethod(_d.detect_format_collapse)
    detect_repetition = staticmethod(_d.detect_repetition)
    detect_first_last_duplicate = staticmethod(_d.detect_first_last_duplicate)

    create_engine = staticmethod(_e.create_guardrail_engine)
    check = staticmethod(_e.check_guardrails)
    check_full = staticmethod(_e.check_guardrails_full)
    run_async_check = staticmethod(_e.run_async_guardrail_check)
    run_check_async = staticmethod(_e.run_guardrail_check_async)
    evaluate = staticmethod(_e.evaluate_violations)
