"""DriftSession (either WindowScan kernel) against a fresh full evaluation (DriftDetector.check)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l0.drift import DriftConfig, DriftDetector, DriftSession
from l0.types import State

# Pieces that exercise every window detector and the ends of the window: sentence marks,
# tone words with and without punctuation around them, meta phrases, Markdown, case folds
# whose lower-casing is irregular, long runs without whitespace and repeated phrases.
PIECES = [
    " ", "  ", "\n", "\t", "\x1c", ".", "!", "?", "...", ",", "-", "(", ")", "_",
    "the quick brown fox jumps", " over the lazy dog", " again and again.", " and again",
    "therefore", " thus", "Hence,", " moreover", "Furthermore", " consequently", "okay", " ok", "OK.",
    "yeah", " yep", "nope!", " gonna", "wanna", "thusly", "oks", "xthus", "_ok",
    "As an AI", " i'm sorry, but i", "To clarify", " in other words", "let me explain", "AS AN A", "I",
    "# Head\n", "**bold**", "[l](u)", "```", "*", "[", "`",
    "Sure!\n", "Here is the plan:", " for you", "İ", "ſ", "\u212a", "ı", "Σ", "ok\u0130",
    "wordwordwordwordwordwordwordword", "x" * 70, "A long sentence with several words in it.",
    "Another rather long sentence follows here!", "Short one.", "a b c d e f g h",
]


def _stream(rng: random.Random, size: int) -> list[str]:
    out = []
    for _ in range(size):
        r = rng.random()
        if r < 0.75:
            out.append(rng.choice(PIECES))
        elif r < 0.9 and out:
            out.append(rng.choice(out))  # repeats make repetition fire
        else:
            words = ["alpha", "beta", "gamma", "delta", "eps"]
            out.append(" ".join(rng.choice(words) for _ in range(rng.randint(1, 6))))
    return out


def _compare(pieces: list[str], cfg: DriftConfig, every: list[int]) -> int:
    """Feed *pieces*, checking after ``every[i % len(every)]`` pieces; return how many checks fired."""
    det = DriftDetector(cfg)
    sess = det.new_session()
    s = State()
    fired = 0
    pos = 0
    since = 0
    k = 0
    for p in pieces:
        s.buffer.append(p)
        since += 1
        if since >= every[k % len(every)]:
            k += 1
            since = 0
            delta = s.buffer.since(pos)
            pos = len(s.buffer)
            got = sess.check(s, delta)
            want = det.check(s.content, delta)
            assert got == want, (s.content[-cfg.sliding_window_size - 20:], got, want)
            fired += got.detected
    s.completed = True
    delta = s.buffer.since(pos)
    assert sess.check(s, delta) == det.check(s.content, delta)
    h1, h2 = sess.get_history(), det.get_history()
    assert h1["entropy"] == pytest.approx(h2["entropy"]) and h1["tokens"] == h2["tokens"]
    assert h1["last_content"] == h2["last_content"]
    return fired


@given(st.integers(0, 2**32 - 1), st.sampled_from([0, 1, 7, 40, 120, 250, 500]), st.integers(1, 4),
       st.lists(st.integers(1, 12), min_size=1, max_size=5), st.integers(0, 160))
@settings(max_examples=200, deadline=None)
def test_session_equals_full_evaluation_on_random_streams(seed, size, threshold, every, length):
    rng = random.Random(seed)
    cfg = DriftConfig(sliding_window_size=size, repetition_threshold=threshold, entropy_window=12)
    _compare(_stream(rng, length), cfg, every)


@pytest.mark.parametrize("switch", ["detect_tone_shift", "detect_meta_commentary", "detect_repetition",
                                    "detect_entropy_spike"])
def test_each_switch_alone_matches(switch):
    rng = random.Random(7)
    for size in (40, 500):
        cfg = DriftConfig(sliding_window_size=size, **{switch: False})
        _compare(_stream(rng, 300), cfg, [3, 1, 7])


def test_long_streams_fire_every_detector_and_still_match():
    rng = random.Random(1)
    fired = 0
    for size in (60, 200, 500):
        fired += _compare(_stream(rng, 3000), DriftConfig(sliding_window_size=size), [5, 25, 2])
    assert fired > 100


@pytest.mark.parametrize("text,window", [
    ("The quick brown fox jumps over the lazy dog. " * 12, 500),
    ("".join(f"Sentence {i} says one two three four five six seven. " for i in range(30)), 300),
    ("Therefore this. Thus that. Hence those. " * 10 + "ok yeah ok yep ok nope. " * 10, 200),
    ("# T\n**a** [x](y) ```c``` **b** " * 8 + "plain words only here " * 30, 500),
])
def test_degenerate_streams_match_token_by_token(text, window):
    for step in (1, 3, 9):
        pieces = [text[i:i + step] for i in range(0, len(text), step)]
        assert _compare(pieces, DriftConfig(sliding_window_size=window), [1, 4, 25]) > 0


class CountingBuffer:
    """A ContentBuffer proxy counting the characters a session reads (and forbidding ``content``)."""

    def __init__(self, buf):
        self._buf = buf
        self.read = 0

    def __len__(self):
        return len(self._buf)

    @property
    def token_count(self):
        return self._buf.token_count

    @property
    def content(self):
        raise AssertionError("a drift session must not read the whole content")

    def _count(self, text):
        self.read += len(text)
        return text

    def slice(self, a, b):
        return self._count(self._buf.slice(a, b))

    def tail(self, k):
        return self._count(self._buf.tail(k))

    def since(self, pos):
        return self._count(self._buf.since(pos))


@pytest.mark.parametrize("window", [500, 20000])
def test_per_check_reads_are_bounded(window):
    """The compiled kernel reads only the new text; the pure one the window (never the whole content)."""
    from l0._backend import BACKEND
    from l0._bench.scenarios import WORDS

    rng = random.Random(3)
    s = State()
    proxy = CountingBuffer(s.buffer)
    s.__dict__["buffer"] = proxy
    sess = DriftSession(DriftConfig(sliding_window_size=window))
    per_check = []
    for i in range(20000):
        proxy._buf.append(rng.choice(WORDS) + " ")
        if (i + 1) % 25 == 0:
            before = proxy.read
            sess.check(s, "x")
            per_check.append(proxy.read - before)
    new_text = len(proxy) / len(per_check)
    if BACKEND == "python":
        assert max(per_check) <= window + new_text + 10
        return
    # Each new character is read about three times (scan, its sentence, its words) plus short
    # probes at the window ends, whatever the window: re-reading it would cost ``window``.
    assert sum(per_check) / len(per_check) < 3 * new_text + 300
    assert max(per_check) <= 3 * min(window, 500) + 4 * new_text + 200 or window > 500
    assert sum(per_check[-100:]) <= 1.5 * sum(per_check[100:200])
