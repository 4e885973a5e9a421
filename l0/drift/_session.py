"""Per-stream incremental drift state: each check reads only the text appended since the last one.

Window-based detectors keep what they learnt from earlier text (positions of
meta phrases, tone words, sentence marks and Markdown characters; sentence
counts; counts of 5-word phrases) and at a check only look at the new text plus
a short piece at each end of the window (the partly cut first sentence/word,
the unfinished last sentence/word). The results equal a fresh evaluation of the
window by ``DriftDetector.check``.
"""

from __future__ import annotations

import re
from collections import _count_elements, deque  # type: ignore[attr-defined]
from typing import Any

from l0.drift._core import (
    _FORMAL,
    _FORMAL_LOW,
    _FORMAL_WORDS,
    _FORMAT,
    _HEAD,
    _HEDGE_PROBE,
    _INFORMAL,
    _INFORMAL_LOW,
    _INFORMAL_WORDS,
    _LEADING_SPACE,
    _META,
    _META_PHRASES,
    _Core,
    _hedge_probe,
    _lower,
    _markdown_count,
    _phrase_repeated,
    _result,
    _tone,
    config_of,
    DriftConfig,
    DriftResult,
)

__all__ = ["DriftSession"]

_TAIL = 200  # meta, tone and Markdown look at the last 200 characters of the window
_META_CARRY = max(map(len, _META_PHRASES)) - 1
# Every overlapping meta phrase start (IGNORECASE fallback for text whose lower-casing is irregular).
_META_STARTS = re.compile("(?=" + _META.pattern + ")", re.IGNORECASE)
_FORMAL_SET = frozenset(_FORMAL_WORDS)
_INFORMAL_SET = frozenset(_INFORMAL_WORDS)
_TONE_FIRST = frozenset(w[0] for w in _FORMAL_WORDS + _INFORMAL_WORDS)
_TONE_LONGEST = max(map(len, _FORMAL_WORDS + _INFORMAL_WORDS))
# A tone word at the start of the text (the window's cut first word), group 1 formal, group 2 informal.
_TONE_EDGE = re.compile(
    "(?:(" + "|".join(_FORMAL_WORDS) + ")|(" + "|".join(_INFORMAL_WORDS) + r"))\b", re.IGNORECASE
)
_JUMP_SLACK = 64
# ASCII word characters kept, everything else a space: splitting then yields the ``\w+`` runs.
_ASCII_WORDS = bytes(c if c < 128 and (chr(c).isalnum() or c == 95) else 32 for c in range(256))
# A tone word as a whole space-delimited run of the translated, space-padded text.
_TONE_RUN = re.compile(b" (?:" + b"|".join(w.encode() for w in _FORMAL_WORDS + _INFORMAL_WORDS) + b") ")
# The same, or (group 1 unset) the part after a space of some meta phrase, as it reads once
# translated: every alternative starts after a space, so the regex only stops at spaces.
_HINTS = re.compile(b" (?:(" + b"|".join(w.encode() for w in _FORMAL_WORDS + _INFORMAL_WORDS) + b") |"
                    b"an ai|actually|personal|but i|explain|clarify|other words)")


def _meta_hint(low: str) -> bool:
    """False only if no meta phrase occurs in *low* (a few substring tests instead of a regex pass)."""
    return ("an ai" in low or ", but i" in low or "actually" in low or "personal" in low or "explain" in low
            or "clarify" in low or "other words" in low)


def _tone_hint(low: str) -> bool:
    """False only if no tone word occurs in *low*."""
    return ("ok" in low or "thus" in low or "therefore" in low or "hence" in low or "moreover" in low
            or "furthermore" in low or "consequently" in low or "gonna" in low or "wanna" in low
            or "yeah" in low or "yep" in low or "nope" in low)


def _has_tone_word(low: str) -> bool:
    """False only if lower-cased *low* has no tone word (exact for ASCII: whole-word test)."""
    if low.isascii():
        return _TONE_RUN.search(b" " + low.encode("ascii").translate(_ASCII_WORDS) + b" ") is not None
    return _tone_hint(low)


def _isword(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _grams_of(words: list[str]) -> Any:
    return zip(words, words[1:], words[2:], words[3:], words[4:])


class DriftSession:
    """Per-stream drift state; ``check(state, delta)`` costs O(text appended since the previous check).

    ``delta`` is all text appended since the previous check: it is one entropy
    sample (its character entropy). The session reads the text from
    ``state.buffer`` and restarts when the content was replaced.
    """

    __slots__ = (
        "config", "_core", "_tokens_seen", "_pos", "_last", "_lead", "_hedge", "_hedge_final", "_hedge_scan",
        "_head", "_head_final", "_pos_ws", "_buf", "_prev_n", "_prev_tone", "_prev_md",
        # window state
        "_base", "_settled", "_mid", "_gpos", "_tail4", "_grams", "_peak", "_epoch", "_marks", "_last_mark",
        "_mark_before", "_pieces", "_pcount", "_phot", "_pwarm", "_pwarm2", "_long_after",
        "_short_before", "_end_before", "_lead_after", "_first_len", "_wide_at", "_meta_at", "_formal",
        "_informal", "_md_at",
    )

    def __init__(self, config: DriftConfig | None = None) -> None:
        self.config = config = config_of(config)
        self._core = _Core(config)
        self._fresh()

    # -- state ---------------------------------------------------------------------------------

    def _restart(self) -> None:
        self._core.reset()
        self._fresh()

    def _fresh(self) -> None:
        """The state of a session that has seen nothing (the core's is fresh already)."""
        self._tokens_seen = 0
        self._pos = 0
        self._last = ""
        self._lead = -1  # offset of the first non-space character, -1 until seen
        self._pos_ws = 0  # everything before this offset is whitespace
        self._hedge = False
        self._hedge_final = False
        self._hedge_scan = -1  # offset up to which a long whitespace run after the hedge word was read
        self._head = ""
        self._head_final = False
        self._buf: Any = None
        self._prev_n = 0
        self._prev_tone = (0, 0, 0, 0)  # formal and informal counts as ranges (lo, hi)
        self._prev_md = 0
        self._window_state(0)

    def _window_state(self, base: int) -> None:
        """Forget the window detectors' state; text before *base* is never looked at again."""
        self._base = base
        self._settled = base  # words before this offset are complete (followed by whitespace)
        self._mid = base > 0  # ``_settled`` may be inside a word
        self._gpos = base  # words before this offset are counted in ``_grams``
        self._tail4: list[str] = []  # the four words before ``_gpos`` (lower-cased)
        self._grams: dict[tuple[str, ...], int] = {}  # 5-word phrase -> count since ``_epoch``
        self._peak = 0  # highest count in ``_grams``
        self._epoch = base
        self._marks: deque[int] = deque()  # offsets of . ! ? inside the window
        self._last_mark = base - 1  # the content start (or a jump) acts as a mark
        self._mark_before = base - 1  # last mark that fell out of the window
        self._pieces: deque[tuple[int, str]] = deque()  # (start, key) of complete long sentences
        self._pcount: dict[str, int] = {}
        self._phot = 0  # sentences counted ``repetition_threshold`` times
        self._pwarm = 0  # ... counted ``repetition_threshold - 1`` times
        self._pwarm2 = 0  # ... counted ``repetition_threshold - 2`` times
        self._long_after = -2  # mark after which the unfinished sentence is known to be long
        self._short_before = -2  # mark before which the cut first sentence is known to be short
        self._end_before = (-2, 0)  # (mark, end of the last non-space character before it)
        self._lead_after = (-2, 0)  # (mark, offset of the first non-space character after it)
        self._first_len = 0  # stripped length of the cut first sentence (when long)
        self._wide_at = -1  # offset of the latest non-ASCII character
        self._meta_at = -1  # latest start of a meta phrase
        self._formal: deque[int] = deque()  # starts of complete tone words
        self._informal: deque[int] = deque()
        self._md_at = -1  # offset of the latest ` # * [ character

    def reset(self) -> None:
        self._restart()

    def get_history(self) -> dict[str, Any]:
        core = self._core
        last = ""
        buf = self._buf
        if buf is not None and self._prev_n <= len(buf):
            size = self.config.sliding_window_size
            last = buf.slice(max(0, self._prev_n - size), self._prev_n) if size else ""
        return {"entropy": core.ring.values(), "tokens": list(core.tokens), "last_content": last}

    # -- check ---------------------------------------------------------------------------------

    def check(self, state: Any, delta: str | None = None) -> DriftResult:
        return _result(self.scan(state, delta))

    def settled_kernel(self) -> Any:
        """None: this session has no compiled kernel for the runtime to call directly."""
        return None

    def scan(self, state: Any, delta: str | None = None, fresh: bool = False, scanned: bool = False) -> list[str]:
        """:meth:`check` without the result object: the drift types found (empty if none).

        ``fresh`` (``delta`` is exactly the text appended since the previous
        check) is accepted for the runtime; this session reads the buffer anyway.
        """
        buf = getattr(state, "buffer", None)
        if buf is None:
            from l0.guardrails._session import buffer_of

            buf = buffer_of(state)
        n = len(buf)
        tokens = buf.token_count
        pos = self._pos
        if pos and (n < pos or tokens < self._tokens_seen or buf.slice(pos - 1, pos) != self._last):
            self._restart()
            pos = 0
        self._buf = buf
        cfg = self.config
        core = self._core
        spike = False
        if delta:
            core.tokens.append(delta)
            if cfg.detect_entropy_spike:
                spike = core.push_entropy(delta)
        self._tokens_seen = tokens
        size = cfg.sliding_window_size
        if size and n > pos:
            self._advance(buf, pos, n, size)
        elif n != pos:
            self._last = buf.slice(n - 1, n) if n else ""
        self._pos = n
        if not self._head_final:
            self._head = buf.slice(0, _HEAD)
            self._head_final = len(self._head) >= _HEAD
        if self._hedge_final:
            hedging = self._hedge
        else:
            hedging = self._hedging(buf, n, bool(getattr(state, "completed", False)))

        types: list[str] = []
        tail = min(_TAIL, size)
        low_t = n - tail if n > tail else 0
        start = n - size if n > size else 0
        prev_full = min(self._prev_n, size) >= 100
        if cfg.detect_meta_commentary and tail and self._meta_at >= low_t:
            types.append("meta_commentary")
        if cfg.detect_tone_shift and self._tone_shift(buf, n, low_t, tail, prev_full):
            types.append("tone_shift")
        if cfg.detect_repetition and size and self._repetition(buf, n, start, size):
            types.append("repetition")
        if spike:
            types.append("entropy_spike")
        if self._head != core.head:
            core.head = self._head
            core.head_format = _FORMAT.search(self._head) is not None
        if core.head_format:
            types.append("format_collapse")
        md = _markdown_count(buf.slice(low_t, n)) if tail and self._md_at >= low_t else 0
        if prev_full and self._prev_md > 3 and md == 0:
            types.append("markdown_collapse")
        self._prev_md = md
        if hedging:
            types.append("hedging")
        self._prev_n = n
        return types

    # -- reading new text ----------------------------------------------------------------------

    def _advance(self, buf: Any, pos: int, n: int, size: int) -> None:
        """Fold ``buf[pos:n]`` into the window state."""
        cfg = self.config
        if n - max(pos, self._base) > size + _JUMP_SLACK:
            # Only the last ``size`` characters can matter: start over there.
            self._window_state(n - size)
            pos = n - size
        base = self._base
        words = cfg.detect_repetition or cfg.detect_tone_shift
        settled = self._settled if words else pos
        start = max(base, min(settled, pos - _META_CARRY))
        seg = buf.slice(start, n)
        self._last = seg[-1]
        ascii_ = seg.isascii()
        if not ascii_:
            self._wide_at = n - 1
        low = _lower(seg) if cfg.detect_meta_commentary or cfg.detect_tone_shift else None
        tone_hint = meta_hint = True
        if low is not None and ascii_:
            # One pass over the word runs rules out both meta phrases and tone words.
            m = _HINTS.search(b" " + low.encode("ascii").translate(_ASCII_WORDS) + b" ")
            if m is None:
                tone_hint = meta_hint = False
            elif m.group(1) is None:
                tone_hint = _has_tone_word(low)
        new = pos - start
        if cfg.detect_meta_commentary and meta_hint:
            if low is not None:
                if _meta_hint(low):
                    at = max(low.rfind(p) for p in _META_PHRASES)
                    if at >= 0 and start + at > self._meta_at:
                        self._meta_at = start + at
            else:
                for m in _META_STARTS.finditer(seg):
                    self._meta_at = max(self._meta_at, start + m.start())
        if cfg.detect_repetition:
            found = []
            for ch in ".!?":
                i = seg.find(ch, new)
                while i >= 0:
                    found.append(i)
                    i = seg.find(ch, i + 1)
            if found:
                found.sort()
                for i in found:
                    self._close_sentence(buf, seg, start, start + i, size)
        at = max(seg.rfind("`", new), seg.rfind("#", new), seg.rfind("*", new), seg.rfind("[", new))
        if at >= new:
            self._md_at = start + at
        if not words:
            return
        k = settled - start
        if seg[-1].isspace():
            end = n
        else:
            cut = seg.rsplit(None, 1)
            end = n - len(cut[-1])
        if end > settled:
            if cfg.detect_tone_shift and tone_hint:
                self._add_tone(buf, seg[k:end - start], low[k:end - start] if low is not None else None, settled)
            self._settled = end
            self._mid = False
        if n - self._settled > size + _JUMP_SLACK:
            # A run without whitespace longer than the window: no phrase can span it.
            self._settled = n - size
            self._mid = True

    def _close_sentence(self, buf: Any, seg: str, start: int, mark: int, size: int) -> None:
        a = self._last_mark + 1
        self._last_mark = mark
        self._marks.append(mark)
        if 20 < mark - a <= size:
            text = seg[a - start:mark - start] if a >= start else buf.slice(a, mark)
            s = text.strip()
            if len(s) > 20:
                key = s.lower()
                self._pieces.append((a, key))
                c = self._pcount.get(key, 0) + 1
                self._pcount[key] = c
                th = self.config.repetition_threshold
                if c == th:
                    self._phot += 1
                elif c == th - 1:
                    self._pwarm += 1
                elif c == th - 2:
                    self._pwarm2 += 1

    def _add_words(self, words: list[str]) -> None:
        tail4 = self._tail4
        ws = tail4 + words if tail4 else words
        if len(ws) >= 5:
            grams = self._grams
            before = len(grams)
            _count_elements(grams, _grams_of(ws))
            if len(grams) - before != len(ws) - 4:
                # A phrase seen before: the only case that can raise the peak above 1.
                peak = max(map(grams.__getitem__, _grams_of(ws)))
                if peak > self._peak:
                    self._peak = peak
            elif not self._peak:
                self._peak = 1
        self._tail4 = ws[-4:]

    def _fold(self, buf: Any, n: int, size: int) -> None:
        """Count the phrases of the words completed since the last fold (only when a check needs them).

        ``_grams`` counts every phrase since ``_epoch`` (at or before the window
        start), an over-count of the window's phrases that can rule a repeat out;
        it restarts from the window's phrases every ``8 * size`` characters.
        """
        settled, gpos = self._settled, self._gpos
        if settled <= gpos:
            return
        start = max(self._base, n - size)
        if gpos < start:
            # Words before the window never count again; phrases across the gap neither.
            gpos = start
            self._tail4 = []
        if gpos - self._epoch > 8 * size + 512:
            self._rebuild(buf, n, size)
            return
        self._add_words(buf.slice(gpos, settled).lower().split())
        self._gpos = settled

    def _rebuild(self, buf: Any, n: int, size: int) -> None:
        """Phrase counts from the complete words of the current window only."""
        start = max(self._base, n - size)
        grams: dict[tuple[str, ...], int] = {}
        settled = self._settled
        words = buf.slice(start, settled).lower().split() if settled > start else []
        if len(words) >= 5:
            _count_elements(grams, _grams_of(words))
        self._tail4 = words[-4:]
        self._grams = grams
        self._peak = max(grams.values(), default=0)
        self._epoch = start
        self._gpos = max(settled, start)

    def _add_tone(self, buf: Any, chunk: str, lchunk: str | None, offset: int) -> None:
        if lchunk is not None:
            if not _has_tone_word(lchunk):
                return
            found = ((_FORMAL_LOW, self._formal), (_INFORMAL_LOW, self._informal))
            text = lchunk
        else:
            found = ((_FORMAL, self._formal), (_INFORMAL, self._informal))
            text = chunk
        for pattern, into in found:
            for m in pattern.finditer(text):
                at = offset + m.start()
                # A chunk that starts inside a word has no real word boundary there.
                if at == offset and self._mid and at and _isword(buf.slice(at - 1, at)):
                    continue
                into.append(at)

    # -- window detectors ----------------------------------------------------------------------

    def _tone(self, buf: Any, n: int, low_t: int) -> tuple[int, int, bool]:
        """Tone word counts of the tail without its cut first word, and whether that word may add one."""
        formal, informal = self._formal, self._informal
        while formal and formal[0] < low_t:
            formal.popleft()
        while informal and informal[0] < low_t:
            informal.popleft()
        settled = self._settled
        if settled <= low_t:
            f, i = _tone(buf.slice(low_t, n))  # the whole tail is one unfinished run
            return f, i, False
        f, i = len(formal), len(informal)
        if settled < n:
            word = buf.slice(settled, n)
            low = _lower(word)
            if low is not None and word.isalnum():
                if low in _FORMAL_SET:
                    f += 1
                elif low in _INFORMAL_SET:
                    i += 1
            else:
                a, b = _tone(word, low)
                f += a
                i += b
        return f, i, low_t > 0

    @staticmethod
    def _tone_edge(buf: Any, low_t: int) -> tuple[int, int]:
        """The window cuts a word: its remainder counts as a word of its own (as in the reference)."""
        edge = buf.slice(low_t - 1, low_t + _TONE_LONGEST + 1)
        if len(edge) > 1 and _isword(edge[0]) and _isword(edge[1]) and edge[1].lower() in _TONE_FIRST:
            m = _TONE_EDGE.match(edge, 1)
            if m is not None:
                return (1, 0) if m.group(1) else (0, 1)
        return 0, 0

    def _tone_shift(self, buf: Any, n: int, low_t: int, tail: int, prev_full: bool) -> bool:
        # A shift needs a count of 3 on one side; while every count is at most 2 the cut
        # first word (worth at most one) is not looked at and the counts are kept as ranges.
        f, i, pending = self._tone(buf, n, low_t) if tail and n else (0, 0, False)
        pf_lo, pf_hi, pi_lo, pi_hi = self._prev_tone
        if pending and max(f + 1, i + 1, pf_hi, pi_hi) >= 3:
            df, di = self._tone_edge(buf, low_t)
            f += df
            i += di
            pending = False
        self._prev_tone = (f, f + pending, i, i + pending)
        if not prev_full or pending:
            return False
        if pf_lo != pf_hi or pi_lo != pi_hi:
            pn = self._prev_n
            pf_lo, pi_lo = _tone(buf.slice(max(0, pn - tail), pn))
        return abs(f - pf_lo) > 2 or abs(i - pi_lo) > 2

    def _repetition(self, buf: Any, n: int, start: int, size: int) -> bool:
        marks, pieces = self._marks, self._pieces
        while marks and marks[0] < start:
            self._mark_before = marks.popleft()
        th = self.config.repetition_threshold
        if pieces and pieces[0][0] < start:
            pcount = self._pcount
            while pieces and pieces[0][0] < start:
                key = pieces.popleft()[1]
                c = pcount[key]
                if c == th:
                    self._phot -= 1
                if c == th - 1:
                    self._pwarm -= 1
                if c == th - 2:
                    self._pwarm2 -= 1
                if c == 1:
                    del pcount[key]
                else:
                    pcount[key] = c - 1
        if len(marks) < 2 or not pieces:
            return False  # k marks make at most k + 1 sentences; both window ends are two
        count = len(pieces)
        first = False
        if self._mark_before != start - 1:
            first = self._first_long(buf, start, marks[0])
            count += first
        lm = marks[-1]
        if self._long_after != lm and n - lm - 1 > 20 and len(buf.slice(lm + 1, n).strip()) > 20:
            self._long_after = lm  # the unfinished last sentence only grows: long stays long
        last_long = self._long_after == lm
        count += last_long
        if count < 3:
            return False
        if self._phot:
            return True
        # The cut first and unfinished last sentence add one occurrence each: their text is
        # only needed when a complete sentence is counted often enough for that to matter.
        warm = th <= 1 or self._pwarm > 0
        if warm or (first and last_long and (th <= 2 or self._pwarm2 > 0)
                     and self._same_length(buf, start, lm, n)):
            pcount = self._pcount
            last = buf.slice(lm + 1, n).strip().lower() if last_long else None
            if first:
                key = buf.slice(start, marks[0]).strip().lower()
                if pcount.get(key, 0) + 1 + (key == last) >= th:
                    return True
            if last is not None and pcount.get(last, 0) + 1 >= th:
                return True
        return self._phrases(buf, n, size, th)

    def _first_long(self, buf: Any, start: int, fm: int) -> bool:
        """Whether the window's cut first sentence ``buf[start:fm]`` is longer than 20 characters stripped."""
        if fm - start <= 20 or self._short_before == fm:
            return False
        if self._end_before[0] != fm:
            # End of the sentence's last non-space character, once per mark.
            probe = max(start, fm - 64)
            text = buf.slice(probe, fm).rstrip()
            if not text and probe > start:
                probe = start
                text = buf.slice(start, fm).rstrip()
            self._end_before = (fm, probe + len(text))
        end = self._end_before[1]
        head = buf.slice(start, min(fm, start + 64))
        lead = len(head) - len(head.lstrip())
        if lead == len(head) and start + 64 < fm:
            rest = buf.slice(start, fm)
            lead = len(rest) - len(rest.lstrip())
        if end - (start + lead) > 20:
            self._first_len = end - (start + lead)
            return True
        self._short_before = fm  # the window start only moves on: it stays short
        return False

    @staticmethod
    def _first_phrase(buf: Any, start: int, n: int) -> tuple[str, ...] | None:
        """The window's first 5-word phrase if the window start cuts a word (else it is counted)."""
        if not start or buf.slice(start - 1, start).isspace():
            return None
        text = buf.slice(start, min(n, start + 256))
        if text[:1].isspace():
            return None
        words = text.lower().split()
        if len(words) < 6 and start + 256 < n:
            words = buf.slice(start, n).lower().split()
        return tuple(words[:5]) if len(words) >= 5 else None

    def _same_length(self, buf: Any, start: int, lm: int, n: int) -> bool:
        """False only if the stripped first and last sentences of the window cannot be equal once lower-cased.

        Lower-casing keeps the length of ASCII text, so unequal lengths rule equality out
        unless the window has a non-ASCII character.
        """
        if self._wide_at >= start:
            return True
        if self._lead_after[0] != lm:
            head = buf.slice(lm + 1, min(n, lm + 65))
            stripped = head.lstrip()
            if not stripped:
                return True  # a long whitespace run: decide from the text itself
            self._lead_after = (lm, lm + 1 + len(head) - len(stripped))
        tail = buf.slice(max(lm + 1, n - 64), n)
        end = n - (len(tail) - len(tail.rstrip()))
        if end == n - len(tail) and n - 64 > lm + 1:
            return True
        return end - self._lead_after[1] == self._first_len

    def _phrases(self, buf: Any, n: int, size: int, th: int) -> bool:
        # ``_grams`` over-counts (it may hold phrases that left the window): it can only
        # rule a repeat out. A phrase of the window that ``_grams`` lacks contains the
        # window's cut first word or its unfinished last word; the first adds one
        # occurrence and the second one more, so below these bounds nothing can repeat.
        self._fold(buf, n, size)
        grams, peak = self._grams, self._peak
        candidate = peak >= th
        if not candidate and peak + 2 >= th:
            start = max(self._base, n - size)
            last = None
            if self._settled < n and len(self._tail4) == 4 and self._settled > start:
                last = (*self._tail4, buf.slice(self._settled, n).lower())
            first = None
            if peak + 1 >= th or (last is not None and grams.get(last, 0) + 2 >= th):
                first = self._first_phrase(buf, start, n)
            both = first is not None and first == last
            candidate = ((last is not None and grams.get(last, 0) + 1 + both >= th)
                         or (first is not None and grams.get(first, 0) + 1 + both >= th))
        if not candidate:
            return False
        if _phrase_repeated(buf.tail(size), th):
            return True
        self._rebuild(buf, n, size)
        return False

    # -- hedging -------------------------------------------------------------------------------

    def _hedging(self, buf: Any, n: int, completed: bool) -> bool:
        if self._hedge_final:
            return self._hedge
        if self._lead < 0:
            # Skip leading whitespace once: remember how far it was read.
            start = self._pos_ws
            while start < n:
                chunk = buf.slice(start, min(n, start + 4096))
                m = _LEADING_SPACE.match(chunk)
                if m.end() < len(chunk):
                    self._lead = start + m.end()
                    break
                start += len(chunk)
            self._pos_ws = start
            if self._lead < 0:
                return False
        if self._hedge_scan >= 0:
            rest = buf.slice(self._hedge_scan, n)
            i = 0
            while i < len(rest) and rest[i] != "\n" and rest[i].isspace():
                i += 1
            if i < len(rest):
                self._hedge, self._hedge_final = rest[i] == "\n", True
            else:
                self._hedge_scan = n
                self._hedge_final = completed
            return self._hedge
        text = buf.slice(self._lead, min(n, self._lead + _HEDGE_PROBE))
        hedge, final = _hedge_probe(text, completed)
        if hedge and not final and len(text) == _HEDGE_PROBE and self._lead + _HEDGE_PROBE < n:
            self._hedge_scan = self._lead + _HEDGE_PROBE
        self._hedge, self._hedge_final = hedge, final
        return hedge
