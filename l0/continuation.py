"""Resuming from a checkpoint: configuration and overlap removal (``l0.continuation``).

When a stream resumes, the model often repeats the end of the checkpoint.
:func:`detect_overlap` finds the longest suffix of the checkpoint that is a
prefix of the continuation (between ``min_overlap`` and ``max_overlap``
characters) and :class:`OverlapDeduplicator` does the same incrementally, token
by token, holding back text only while a longer overlap is still possible.
Both give the same answer for the same total text, however it is split.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ContinuationConfig", "DeduplicationOptions", "OverlapResult", "OverlapDeduplicator", "Continuation",
    "detect_overlap", "deduplicate_continuation",
]


class DeduplicationOptions(BaseModel):
    """How overlap between a checkpoint and its continuation is detected."""

    model_config = ConfigDict(extra="forbid")

    min_overlap: int = Field(default=2, ge=1)
    max_overlap: int = Field(default=500, ge=1)
    case_sensitive: bool = True
    normalize_whitespace: bool = False

    @model_validator(mode="after")
    def _check_range(self) -> DeduplicationOptions:
        if self.min_overlap > self.max_overlap:
            raise ValueError(
                f"min_overlap ({self.min_overlap}) must be <= max_overlap ({self.max_overlap})"
            )
        return self


class ContinuationConfig(BaseModel):
    """Checkpointing and resume settings (``continue_from_last_good_token``)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    checkpoint_interval: int = Field(default=5, ge=1)
    deduplicate: bool = True
    deduplication_options: DeduplicationOptions = Field(default_factory=DeduplicationOptions)
    validate_checkpoint: bool = True

    @classmethod
    def default(cls) -> ContinuationConfig:
        return cls()

    @classmethod
    def disabled(cls) -> ContinuationConfig:
        return cls(enabled=False)


@dataclass(slots=True)
class OverlapResult:
    """Outcome of :func:`detect_overlap`; ``overlap_length == len(overlap_text)``."""

    has_overlap: bool
    overlap_length: int
    overlap_text: str
    deduplicated: str


_WS_RUN = re.compile(r"\s+")
_DEFAULT_OPTIONS = DeduplicationOptions()


def _fold_case(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):  # lower() never shrinks, so every char mapped to one char
        return lowered
    # A few characters lower to two; keep those as they are so indices stay aligned.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _normalize(text: str, options: DeduplicationOptions) -> tuple[str, list[int] | None]:
    """Normalized text and, for whitespace folding, the original end offset of each normalized char."""
    if not options.case_sensitive:
        text = _fold_case(text)
    if not options.normalize_whitespace:
        return text, None
    out: list[str] = []
    ends: list[int] = []
    pos = 0
    for match in _WS_RUN.finditer(text):
        start, end = match.span()
        if start > pos:
            out.append(text[pos:start])
            ends.extend(range(pos + 1, start + 1))
        out.append(" ")
        ends.append(end)
        pos = end
    if pos < len(text):
        out.append(text[pos:])
        ends.extend(range(pos + 1, len(text) + 1))
    return "".join(out), ends


def _checkpoint_window(checkpoint: str, options: DeduplicationOptions) -> str:
    """The last ``max_overlap`` normalized characters of the checkpoint (normalizing only a tail)."""
    cap = options.max_overlap
    take = cap + 1
    while True:
        tail = checkpoint[-take:] if take < len(checkpoint) else checkpoint
        norm, _ = _normalize(tail, options)
        # One char of slack: the cut may fall inside a whitespace run.
        if len(norm) > cap or len(tail) == len(checkpoint):
            return norm[-cap:]
        take *= 2


def _longest(window: str, head: str, lo: int, hi: int) -> int:
    """Largest L in [lo, hi] with ``window.endswith(head[:L])``, else 0."""
    for length in range(hi, lo - 1, -1):
        if window.endswith(head[:length]):
            return length
    return 0


def _original_end(ends: list[int] | None, length: int, text: str, options: DeduplicationOptions) -> int:
    if ends is None:
        return length
    end = ends[length - 1]
    if options.normalize_whitespace and text[end - 1 : end].isspace():
        # The overlap ends in a whitespace run: it covers the whole run.
        while end < len(text) and text[end].isspace():
            end += 1
    return end


def detect_overlap(
    checkpoint: str, continuation: str, options: DeduplicationOptions | None = None
) -> OverlapResult:
    """The longest suffix of ``checkpoint`` that starts ``continuation`` (at least ``min_overlap``).

    Comparison uses the normalized texts (``case_sensitive``,
    ``normalize_whitespace``); the returned texts are the original ones.
    """
    options = options or _DEFAULT_OPTIONS
    if not checkpoint or not continuation:
        return OverlapResult(False, 0, "", continuation)
    window = _checkpoint_window(checkpoint, options)
    head_src = continuation[: 2 * options.max_overlap + 2]
    head, ends = _normalize(head_src, options)
    if ends is not None and len(head) <= options.max_overlap and len(head_src) < len(continuation):
        head, ends = _normalize(continuation, options)
        head_src = continuation
    hi = min(len(window), len(head), options.max_overlap)
    length = _longest(window, head, options.min_overlap, hi) if hi >= options.min_overlap else 0
    if not length:
        return OverlapResult(False, 0, "", continuation)
    end = _original_end(ends, length, continuation, options)
    overlap = continuation[:end]
    return OverlapResult(True, len(overlap), overlap, continuation[end:])


def deduplicate_continuation(
    checkpoint: str, continuation: str, options: DeduplicationOptions | None = None
) -> str:
    """``continuation`` without its overlap with ``checkpoint``."""
    return detect_overlap(checkpoint, continuation, options).deduplicated


class OverlapDeduplicator:
    """Removes the checkpoint overlap from a continuation that arrives in pieces.

    ``feed(text)`` returns the text that is safe to emit now ("" while a longer
    overlap is still possible); ``finish()`` returns whatever is still held back
    when the stream ends. The concatenation of everything returned equals
    ``deduplicate_continuation(checkpoint, <all fed text>, options)``. Held-back
    text is bounded by ``max_overlap`` plus one token; each call costs
    O(max_overlap) while undecided and O(1) after.
    """

    __slots__ = ("_options", "_window", "_pending", "_eat_ws", "result")

    def __init__(self, checkpoint: str, options: DeduplicationOptions | None = None) -> None:
        if not isinstance(checkpoint, str):
            raise TypeError(f"checkpoint must be str, got {type(checkpoint).__name__}")
        self._options = options or _DEFAULT_OPTIONS
        self._window = _checkpoint_window(checkpoint, self._options) if checkpoint else ""
        self._pending: list[str] = []
        self._eat_ws = False
        #: The decision, once made (``None`` while text is held back).
        self.result: OverlapResult | None = None
        if not self._window:
            self.result = OverlapResult(False, 0, "", "")

    @property
    def decided(self) -> bool:
        return self.result is not None

    @property
    def pending(self) -> str:
        """Text fed but not yet returned."""
        return "".join(self._pending)

    def feed(self, text: str) -> str:
        if self.result is not None:
            if self._eat_ws and text:
                stripped = text.lstrip()
                if stripped:
                    self._eat_ws = False
                return stripped
            return text
        self._pending.append(text)
        raw = "".join(self._pending)
        head, _ = _normalize(raw, self._options)
        window = self._window
        cap = min(len(window), self._options.max_overlap)
        if len(head) < cap and window.find(head, 0, len(window) - 1) != -1:
            return ""  # a longer overlap is still possible
        return self._decide(raw)

    def finish(self) -> str:
        if self.result is not None:
            return ""
        return self._decide("".join(self._pending))

    def _decide(self, raw: str) -> str:
        self._pending.clear()
        result = detect_overlap_in_window(self._window, raw, self._options)
        self.result = result
        if result.has_overlap and self._options.normalize_whitespace and result.overlap_text[-1:].isspace():
            self._eat_ws = True
            out = result.deduplicated.lstrip()
            if out:
                self._eat_ws = False
            return out
        return result.deduplicated


def detect_overlap_in_window(window: str, continuation: str, options: DeduplicationOptions) -> OverlapResult:
    """:func:`detect_overlap` against an already normalized checkpoint window."""
    if not window or not continuation:
        return OverlapResult(False, 0, "", continuation)
    head, ends = _normalize(continuation, options)
    hi = min(len(window), len(head), options.max_overlap)
    length = _longest(window, head, options.min_overlap, hi) if hi >= options.min_overlap else 0
    if not length:
        return OverlapResult(False, 0, "", continuation)
    end = _original_end(ends, length, continuation, options)
    return OverlapResult(True, end, continuation[:end], continuation[end:])


class Continuation:
    """Namespace of the continuation helpers."""

    Config = ContinuationConfig
    Options = DeduplicationOptions
    OverlapResult = OverlapResult
    Deduplicator = OverlapDeduplicator

    @staticmethod
    def detect_overlap(
        checkpoint: str, continuation: str, options: DeduplicationOptions | None = None
    ) -> OverlapResult:
        return detect_overlap(checkpoint, continuation, options)

    @staticmethod
    def deduplicate(checkpoint: str, continuation: str, options: DeduplicationOptions | None = None) -> str:
        return deduplicate_continuation(checkpoint, continuation, options)
