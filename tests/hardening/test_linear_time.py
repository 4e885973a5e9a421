"""Every text-driven function of l0 runs in linear time on long runs of any character class.

The class of bug (issue 11, item 3): a regex or a scan that restarts at every
position of a long run (``[.!?]+\\s+`` on ``"." * n``) or rescans the whole text
per token. Each target is timed (process CPU time) on a text of ``N`` and of
``4 * N`` characters made of one repeated unit; linear work grows ~4x, quadratic
~16x. A target fails only when the ratio stays above ``RATIO`` on three
measurements in a row, and again from ``4 * N`` to ``16 * N`` (see ``_over``), so
a noisy neighbour cannot fail the test, while a quadratic target cannot pass it.
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

N = 1024
RATIO = 9.0
SLACK = 0.005  # seconds: absolute noise allowance when both timings are tiny
CHUNK = 128  # characters per streamed check

_PUNCT = list(".!?*_#`[]{}()<>|\\\"'") + list(",:;-=+~$@%^&/")
UNITS: list[str] = [
    "a", "Z", "0", " ", "\n", "\t", "\r\n", "\u00e9", "\u65e5", "\U0001F600", "\u0130", "\u017f",
    *_PUNCT,
    "ab", ". ", "a.", "! ", "?!", "..\n", "a ", "[{", "]}", "{[", '"a":', '"a",', '{"a":', "[1,", "1,",
    '\\"', "\\\\", "```", "```json\n", "``` ", "~~~\n", "\\begin{", "\\end{x}", "$$", "$", "{{", "}}",
    "<|", "[INSERT", "[INST]", "Sure, ", "as an ai ", "sure!\n", "here is the ", "# ", "**", "](", "[a](",
    "| a ", "|-", "- ", "1. ", "/*", "//", "'a',", "a:", "True", "-0.", "\\u12", "NaN,", "a\x00",
    "thus ", "ok ", "word " * 3, "The cat sat on the mat. ", "connection ", "abort", '"a" x', "'a' x",
]


def _text(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _cpu(fn: Callable[[str], Any], text: str) -> float:
    start = time.process_time()
    fn(text)
    return time.process_time() - start


def _ratio(fn: Callable[[str], Any], unit: str, n: int = N) -> tuple[float, float, float]:
    small, big = _text(unit, n), _text(unit, 4 * n)
    fn(small[:64])  # warm caches (compiled regexes, lazy imports)
    a = _cpu(fn, small)
    b = _cpu(fn, big)
    return b / max(a, 1e-6), a, b


def _over(fn: Callable[[str], Any], unit: str) -> tuple[float, float, float] | None:
    """The measurement if the target stays super-linear, else None.

    Super-linear means: on three tries in a row at ``N -> 4N``, and then again at
    ``4N -> 16N``. The second step tells a quadratic target (which keeps growing
    ~16x) from one whose text crosses a limit between N and 4N (the JSON depth
    limit switches repair to a longer but linear path).
    """
    found = None
    for n in (N, 4 * N):
        for _ in range(3):
            r, a, b = _ratio(fn, unit, n)
            if b <= RATIO * a + SLACK:
                return None
        found = (r, a, b)
    return found


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


_HANDLE: list[Any] = []


def _doc_handle() -> Any:
    """One schema handle for every call (building a Pydantic model per call would dominate)."""
    if not _HANDLE:
        from pydantic import BaseModel

        from l0._structured._schema import make_handle

        class Doc(BaseModel):
            a: list[str] = []
            b: dict[str, Any] = {}

        _HANDLE.append(make_handle(Doc))
    return _HANDLE[0]


def _partial(text: str) -> Any:
    from l0._structured._partial import PartialParser

    parser = PartialParser(_doc_handle())
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
    from l0.testing.scenario import split_answer

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
    out["testing split_answer"] = split_answer
    return out


TARGETS = _targets()
# Error classification is linear but slow per character (~5 us: some 40 word regexes); a few
# classes keep the test fast.
# structured() runs the whole pipeline whose parts (repair, partial parsing, validation) see every
# class on their own: the JSON-relevant classes suffice for it.
FEW_UNITS = {
    "error classification": ["a", " ", "\n", ".", "!", "(", "\u0130", "\U0001F600", "ab", "connection ", "abort", "'a',"],
    "structured()": ["a", " ", "\n", ".", '"', "\\", "[", "{", "[{", '"a":', '{"a":', "[1,", "```json\n", '\\"',
                     "\U0001F600"],
}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_linear_time(target: str) -> None:
    """Every character class, as a long run, costs the target linear time."""
    fn = TARGETS[target]
    slow = []
    for unit in UNITS if target not in FEW_UNITS else FEW_UNITS[target]:
        found = _over(fn, unit)
        if found is not None:
            r, a, b = found
            slow.append(f"{unit!r}: {a * 1e3:.1f} ms -> {b * 1e3:.1f} ms ({r:.1f}x for 4x the text, "
                        f"{4 * N} -> {16 * N} characters)")
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
