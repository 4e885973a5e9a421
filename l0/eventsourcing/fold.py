"""Folding recorded events into a :class:`ReplayedState` in O(n) (the text is joined once)."""

from __future__ import annotations

from .types import RecordedEvent, RecordedEventType, ReplayedState, Snapshot

E = RecordedEventType


class Folder:
    """Applies events one by one; ``state()`` builds the :class:`ReplayedState`.

    The text is kept as a list of pieces, so a long replay is linear (the reference appended
    to a string attribute: quadratic). A checkpoint without text of its own is kept as a length
    and cut from the text only when it is read.
    """

    __slots__ = ("_parts", "_len", "_ckpt", "token_count", "violations", "drift_detected", "retry_attempts",
                 "network_retry_count", "fallback_index", "completed", "error", "start_ts", "end_ts", "seq")

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self._parts: list[str] = []
        self._len = 0
        self._ckpt: str | int = ""
        self.token_count = 0
        self.violations: list[dict] = []  # type: ignore[type-arg]
        self.drift_detected = False
        self.retry_attempts = 0
        self.network_retry_count = 0
        self.fallback_index = 0
        self.completed = False
        self.error = None
        self.start_ts = 0.0
        self.end_ts = 0.0
        self.seq = 0  # events applied (the next seq when folding from 0)
        if snapshot is not None:
            self._set_content(snapshot.content)
            self.token_count = snapshot.token_count
            self._ckpt = snapshot.checkpoint
            self.violations = list(snapshot.violations)
            self.drift_detected = snapshot.drift_detected
            self.retry_attempts = snapshot.retry_attempts
            self.network_retry_count = snapshot.network_retry_count
            self.fallback_index = snapshot.fallback_index
            self.start_ts = snapshot.start_ts
            self.seq = snapshot.seq + 1

    def _set_content(self, text: str) -> None:
        self._parts = [text] if text else []
        self._len = len(text)

    @property
    def content(self) -> str:
        parts = self._parts
        if len(parts) > 1:
            self._parts = parts = ["".join(parts)]
        return parts[0] if parts else ""

    @property
    def checkpoint(self) -> str:
        if isinstance(self._ckpt, int):
            self._ckpt = self.content[: self._ckpt]
        return self._ckpt

    def apply(self, event: RecordedEvent) -> None:
        t = event.type
        if t is E.TOKEN:
            self._parts.append(event.value)  # type: ignore[union-attr]
            self._len += len(event.value)  # type: ignore[union-attr]
            self.token_count = event.index + 1  # type: ignore[union-attr]
        elif t is E.START:
            self.start_ts = event.ts
        elif t is E.ATTEMPT:
            # a new provider stream: restart from the checkpoint it resumes from (or from nothing)
            self._set_content(event.checkpoint)  # type: ignore[union-attr]
            if not event.checkpoint:  # type: ignore[union-attr]
                self.token_count = 0
        elif t is E.CHECKPOINT:
            self._ckpt = event.content or self._len  # type: ignore[union-attr]
        elif t is E.GUARDRAIL:
            self.violations.extend(event.result.violations)  # type: ignore[union-attr]
        elif t is E.DRIFT:
            if event.result.detected:  # type: ignore[union-attr]
                self.drift_detected = True
        elif t is E.RETRY:
            if event.counts_toward_limit:  # type: ignore[union-attr]
                self.retry_attempts += 1
            else:
                self.network_retry_count += 1
        elif t is E.FALLBACK:
            self.fallback_index = event.to  # type: ignore[union-attr]
        elif t is E.CONTINUATION:
            self._set_content(event.checkpoint)  # type: ignore[union-attr]
            self.token_count = event.at  # type: ignore[union-attr]
        elif t is E.COMPLETE:
            self.completed = True
            self._set_content(event.content)  # type: ignore[union-attr]
            self.token_count = event.token_count  # type: ignore[union-attr]
            self.end_ts = event.ts
        elif t is E.ERROR:
            self.error = event.error  # type: ignore[union-attr]
            self.end_ts = event.ts

    def state(self) -> ReplayedState:
        return ReplayedState(
            content=self.content, token_count=self.token_count, checkpoint=self.checkpoint,
            violations=list(self.violations), drift_detected=self.drift_detected,
            retry_attempts=self.retry_attempts, network_retry_count=self.network_retry_count,
            fallback_index=self.fallback_index, completed=self.completed, error=self.error,
            start_ts=self.start_ts, end_ts=self.end_ts,
        )

    def snapshot(self, stream_id: str) -> Snapshot:
        from .types import now_ms

        return Snapshot(
            stream_id=stream_id, seq=self.seq - 1, ts=now_ms(), content=self.content,
            token_count=self.token_count, checkpoint=self.checkpoint, violations=list(self.violations),
            drift_detected=self.drift_detected, retry_attempts=self.retry_attempts,
            network_retry_count=self.network_retry_count, fallback_index=self.fallback_index,
            start_ts=self.start_ts,
        )
