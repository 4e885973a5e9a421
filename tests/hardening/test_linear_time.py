"""Every text-driven function of l0 runs in linear time on long runs of any character class.

The class of bug (issue 11, item 3): a regex or a scan that restarts at every
position of a long run (``[.!?]+\\s+`` on ``"." * n``) or rescans the whole text
per token. Each target is timed (process CPU time) on a text of ``N`` and of
``4 * N`` characters made of one repeated unit; linear work grows ~4x, quadratic
~16x. A target fails only when the ratio stays above ``RATIO`` on three
measurements in a row, so a noisy neighbour cannot fail the test, while a
quadratic target (several milliseconds at ``N`` already) cannot pass it.
Streaming targets are fed in chunks and checked after each one (per-check work
must be O(delta), not O(content)).

``python tests/hardening/test_linear_time.py`` prints the worst ratio per target.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

N = 2048
RATIO = 9.0
SLACK = 0.01  # seconds: noise, and texts that cross a limit (JSON depth) at 4N but not at N
CHUNK = 64  # characters per streamed check

_PUNCT = list(".!?*_#`[]{}()<>|\\\"'") + list(",:;-=+~$@%^&/")
UNITS: list[str] = [
    "a", "Z", "0", " ", "\n", "\t", "\r\n", "\u00e9", "\u65e5", "\U0001F600", "\u0130", "\u017f",
    *_PUNCT,
    "ab", ". ", "a.", "! ", "?!", "..\n", "a ", "[{", "]}", "{[", '"a":', '"a",', '{"a":', "[1,", "1,",
    '\\"', "\\\\", "```", "```json\n", "``` ", "~~~\n", "\\begin{", "\\end{x}", "$$", "$", "{{", "}}",
    "<|", "[INSERT", "[INST]", "Sure, ", "as an ai ", "sure!\n", "here is the ", "# ", "**", "](", "[a](",
    "| a ", "|-", "- ", "1. ", "/*", "//", "'a',", "a:", "True", "-0.", "\\u12", "NaN,", "a\x00",
    "thus ", "ok ", "word " * 3, "The cat sat on the mat. ", "connection ", "abort",
]


def _text(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _cpu(fn: Callable[[str], Any], text: str) -> float:
    start = time.process_time()
    fn(text)
    return time.process_time() - start


def _ratio(fn: Callable[[str], Any], unit: str) -> tuple[float, float, float]:
    small, big = _text(unit, N), _text(unit, 4 * N)
    fn(small)  # warm caches (compiled regexes, lazy imports)
    a = _cpu(fn, small)
    b = _cpu(fn, big)
    return b / max(a, 1e-6), a, b


def _over(fn: Callable[[str], Any], unit: str) -> tuple[float, float, float] | None:
    """The measurement if it stays super-linear on three tries, else None."""
    for _ in range(3):
        r, a, b = _ratio(fn, unit)
        if b <= RATIO * a + SLACK:
            return None
    return r, a, b


# --- targets -----------------------------------------------------------------------------------


def _state(text: str, completed: bool = True) -> Any:
    from l0.types import State

    return State(content=text, completed=completed)


def _rule_whole(factory: Callable[[], Any]) -> Callable[[str], Any]:
    def run(text: str) -> Any:
        sess = factory().new_session()
        sess.check(_state(text, False))
        return sess.check(_state(text, True))

    return run


def _rule_streamed(factory: Callable[[], Any]) -> Callable[[str], Any]:
    from l0.types import State

    def run(text: str) -> Any:
        sess = factory().new_session()
        state = State()
        for i in range(0, len(text), CHUNK):
            state.buffer.append(text[i:i + CHUNK])
            state.token_count += 1
            sess.check(state)
        state.completed = True
        return sess.check(state)

    return run


def _preset(factory: Callable[[], list[Any]]) -> Callable[[str], Any]:
    from l0.guardrails import check_guardrails
    from l0.types import State

    def run(text: str) -> Any:
        rules = factory()
        state = State()
        for i in range(0, len(text), CHUNK):
            state.buffer.append(text[i:i + CHUNK])
            state.token_count += 1
            check_guardrails(state, rules)
        state.completed = True
        return check_guardrails(state, rules)

    return run


def _drift_streamed(config: Any = None) -> Callable[[str], Any]:
    from l0.drift import DriftDetector
    from l0.types import State

    def run(text: str) -> Any:
        sess = DriftDetector(config).new_session()
        state = State()
        for i in range(0, len(text), CHUNK):
            piece = text[i:i + CHUNK]
            state.buffer.append(piece)
            state.token_count += 1
            sess.check(state, piece)
        return sess.check(state, "")

    return run


def _partial(text: str) -> Any:
    from pydantic import BaseModel

    from l0._structured._partial import PartialParser
    from l0._structured._schema import make_handle

    class Doc(BaseModel):
        a: list[str] = []
        b: dict[str, Any] = {}

    parser = PartialParser(make_handle(Doc))
    parser.feed('{"a": ["')
    for i in range(0, len(text), CHUNK):
        parser.feed(text[i:i + CHUNK])
    parser.feed('"], "b": {"k": "')
    for i in range(0, len(text), CHUNK):
        parser.feed(text[i:i + CHUNK])
    parser.feed('"}}')
    return parser.snapshot


def _correct(text: str) -> Any:
    from l0._structured._validate import correct_text
    from l0.events import EventBus

    return correct_text(text, True, None, EventBus(None), {})


def _structured(text: str) -> Any:
    import l0

    async def source():
        for i in range(0, len(text), CHUNK):
            yield text[i:i + CHUNK]

    async def go() -> Any:
        try:
            return await l0.structured(schema=dict[str, Any], stream=source, retry=l0.Retry(attempts=1))
        except Exception as exc:  # a schema or truncation error is an outcome, not a hang
            return exc

    return asyncio.run(go())


def _dedup(text: str) -> Any:
    from l0.continuation import DeduplicationOptions, OverlapDeduplicator

    out = []
    for opts in (None, DeduplicationOptions(case_sensitive=False, normalize_whitespace=True)):
        d = OverlapDeduplicator(text, opts)
        for i in range(0, len(text), CHUNK):
            out.append(d.feed(text[i:i + CHUNK]))
        out.append(d.finish())
    return out


def _overlap(text: str) -> Any:
    from l0.continuation import DeduplicationOptions, detect_overlap

    return [detect_overlap(text, text[len(text) // 2:], o) for o in
            (None, DeduplicationOptions(case_sensitive=False, normalize_whitespace=True),
             DeduplicationOptions(max_overlap=len(text)))]


def _errors(text: str) -> Any:
    from l0 import errors
    from l0.retry import map_error_type

    err = ConnectionError(text)
    return errors.categorize_error(err), errors.classify(err), map_error_type(err)


def _targets() -> dict[str, Callable[[str], Any]]:
    from l0 import JSON, _repair
    from l0 import guardrails as g
    from l0.drift import DriftConfig, DriftDetector, check_drift

    rules = {
        "json_rule": g.json_rule, "strict_json_rule": g.strict_json_rule, "markdown_rule": g.markdown_rule,
        "latex_rule": g.latex_rule, "pattern_rule": g.pattern_rule, "zero_output_rule": g.zero_output_rule,
        "stall_rule": g.stall_rule, "repetition_rule": g.repetition_rule,
        "custom_pattern_rule": lambda: g.custom_pattern_rule([r"\bfoo\w*", r"a.{0,50}b", r"[.!?]+\s+x", r"\d+"]),
    }
    out: dict[str, Callable[[str], Any]] = {}
    for name, factory in rules.items():
        out[f"{name}(whole)"] = _rule_whole(factory)
        out[f"{name}(streamed)"] = _rule_streamed(factory)
    for name in ("minimal", "recommended", "strict", "json_only", "markdown_only", "latex_only"):
        out[f"preset {name}"] = _preset(getattr(g, f"{name}_guardrails"))

    def ctx(text: str) -> Any:
        return _state(text, True)

    for name in ("meta_commentary", "excessive_hedging", "refusal", "instruction_leakage", "placeholders",
                 "format_collapse", "repetition", "first_last_duplicate"):
        fn = getattr(g, f"detect_{name}")
        out[f"detect_{name}"] = lambda t, fn=fn: fn(ctx(t))
    out["find_bad_patterns"] = lambda t: g.find_bad_patterns(t, g.BAD_PATTERNS.all_patterns())
    for name in ("analyze_json_structure", "looks_like_json", "analyze_markdown_structure", "looks_like_markdown",
                 "analyze_latex_structure", "looks_like_latex", "is_zero_output", "is_noise_only"):
        out[name] = getattr(g, name)
    out["update_json_state_incremental"] = lambda t: [
        g.update_json_state_incremental(st, t[i:i + CHUNK]) for st in [g.IncrementalJsonState()]
        for i in range(0, len(t), CHUNK)]

    out["DriftDetector.check"] = lambda t: DriftDetector().check(t, t[-CHUNK:])
    out["DriftDetector.check(window=all)"] = lambda t: DriftDetector(
        DriftConfig(sliding_window_size=len(t))).check(t, t[-CHUNK:])
    out["check_drift"] = check_drift
    out["drift session(streamed)"] = _drift_streamed()

    out["repair"] = _repair.repair
    out["normalize"] = lambda t: _repair.normalize(t, set())
    out["close_json"] = _repair.close_json
    out["strip_prefix"] = lambda t: _repair.strip_prefix(t, [])
    out["find_fence_body"] = _repair.find_fence_body
    out["classify_suffix"] = _repair.classify_suffix
    out["JSON.auto_correct"] = lambda t: JSON.auto_correct(t, True)
    out["JSON.auto_correct(wrapped)"] = lambda t: JSON.auto_correct("{\"k\": \"" + t)
    out["JSON.is_valid"] = JSON.is_valid
    out["JSON.extract"] = JSON.extract
    out["JSON.extract_from_markdown"] = JSON.extract_from_markdown

    def parse(t: str) -> Any:
        try:
            return JSON.parse(t)
        except ValueError as exc:
            return exc

    out["JSON.parse"] = parse
    out["structured correct_text"] = _correct
    out["structured PartialParser"] = _partial
    out["structured()"] = _structured
    out["detect_overlap"] = _overlap
    out["OverlapDeduplicator"] = _dedup
    out["error classification"] = _errors
    return out


TARGETS = _targets()


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_linear_time(target: str) -> None:
    """Every character class, as a long run, costs the target linear time."""
    fn = TARGETS[target]
    slow = []
    for unit in UNITS:
        found = _over(fn, unit)
        if found is not None:
            r, a, b = found
            slow.append(f"{unit!r}: {a * 1e3:.1f} ms -> {b * 1e3:.1f} ms ({r:.1f}x for 4x the text)")
    assert not slow, f"{target} is super-linear on:\n" + "\n".join(slow)


if __name__ == "__main__":  # pragma: no cover - the timing table for reports
    import sys

    only = sys.argv[1:]
    for target in sorted(TARGETS):
        if only and not any(o in target for o in only):
            continue
        fn = TARGETS[target]
        t0 = time.process_time()
        worst = max(((_ratio(fn, u), u) for u in UNITS), key=lambda x: x[0][2])
        (r, a, b), unit = worst
        print(f"{target:42s} worst {unit!r:18s} {a * 1e3:8.2f} ms -> {b * 1e3:9.2f} ms ({r:5.1f}x)"
              f"  total {time.process_time() - t0:.2f}s", flush=True)
