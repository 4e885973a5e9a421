"""Drift detection: reference vectors, O(window) sessions, per-token entropy, interleaving."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from l0._drift_text import hedging_of
import l0.drift._session as drift_session
from l0.drift import Drift, DriftConfig, DriftDetector, DriftResult, DriftSession, check_drift, create_drift_detector
from l0.types import State


def test_reference_vectors():
    r = DriftDetector().check("As an AI, I can't do that.")
    assert (r.detected, r.confidence, r.types) == (True, 0.9, ["meta_commentary"])
    r = check_drift("Sure!\nHere is the answer: 42")
    assert (r.confidence, r.types, r.details) == (0.8, ["format_collapse", "hedging"],
                                                  "Format collapse detected; Excessive hedging detected")
    assert check_drift("Here is the code: x").types == ["format_collapse"]
    assert check_drift("The quick brown fox jumps over the lazy dog. " * 4).types == ["repetition"]
    assert check_drift("A calm, ordinary answer.") == DriftResult(detected=False, confidence=0.0, types=[],
                                                                  details=None)


def test_entropy_spike_vector_and_history():
    d = DriftDetector()
    for _ in range(11):
        assert not d.check("x", "aa").detected
    r = d.check("x", "abcdefghij")
    assert (r.types, r.confidence) == (["entropy_spike"], 0.6)
    h = d.get_history()
    assert h["entropy"] == [0.0] * 11 + [pytest.approx(3.321928094887362)]
    assert h["tokens"][-1] == "abcdefghij" and h["last_content"] == "x"
    d.reset()
    assert d.get_history() == {"entropy": [], "tokens": [], "last_content": ""}


def test_tone_shift_and_markdown_collapse_vectors():
    d = DriftDetector()
    d.check("a" * 150)
    assert d.check("a" * 150 + " therefore thus hence moreover").types == ["tone_shift"]
    d = DriftDetector()
    d.check("# Head\n**bold** [l](u) ```x``` **b2**" + "z" * 100)
    assert d.check("plain text " * 30).types == ["markdown_collapse"]


def test_config_defaults_and_validation():
    c = DriftConfig()
    assert (c.detect_tone_shift, c.detect_meta_commentary, c.detect_repetition, c.detect_entropy_spike,
            c.repetition_threshold, c.entropy_threshold, c.entropy_window, c.sliding_window_size) == (
        True, True, True, True, 3, 2.5, 50, 500)
    for kwargs, exc in [({"entropy_window": 0}, ValueError), ({"sliding_window_size": -1}, ValueError),
                        ({"repetition_threshold": "3"}, TypeError), ({"entropy_threshold": float("nan")}, ValueError),
                        ({"detect_repetition": 1}, TypeError)]:
        with pytest.raises(exc):
            DriftConfig(**kwargs)
    with pytest.raises(TypeError):
        DriftDetector(config={})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        DriftDetector().check(None)  # type: ignore[arg-type]


def test_switches_disable_detectors():
    cfg = DriftConfig(detect_meta_commentary=False, detect_repetition=False)
    assert DriftDetector(cfg).check("As an AI, " + "The quick brown fox jumps over the lazy dog. " * 4).types == []


def test_namespace_and_factories():
    assert Drift.Result is DriftResult and Drift.Config is DriftConfig and Drift.Detector is DriftDetector
    assert Drift.check("Here you go").types == ["format_collapse"]
    assert isinstance(Drift.create_detector(), DriftDetector)
    assert create_drift_detector(DriftConfig(entropy_window=5)).config.entropy_window == 5
    d = DriftDetector()
    assert d._detect_meta_commentary("well, to clarify") and not d._detect_tone_shift("x", "y")
    assert d._calculate_entropy("ab") == pytest.approx(1.0)
    assert d._detect_excessive_hedging("  Certainly!  \nmore") and not d._detect_excessive_hedging("Sure, x")
    assert d._detect_format_collapse("let me do it for you")
    assert d._get_window("a" * 600) == "a" * 500


HEDGES = [r"^sure!?\s*$", r"^certainly!?\s*$", r"^of course!?\s*$", r"^absolutely!?\s*$"]


def oracle_hedging(content):
    """The reference's definition: the first line of the stripped content is only a hedge word."""
    first = content.strip().split("\n")[0] if content.strip() else ""
    return any(re.search(p, first, re.IGNORECASE | re.MULTILINE) for p in HEDGES)


PIECES = ["Sure", "sure!", "!", " ", "  ", "\n", "\t", "Of course", "of", " course", "Certainly", "ABSOLUTELY", "ly",
          "x", "Here is the plan:", "let me", " for you", "#", "**b**", "As an AI", "ok", "therefore", ".", "\r"]


@given(st.lists(st.sampled_from(PIECES), max_size=25))
@settings(max_examples=200, deadline=None)
def test_hedging_matches_the_reference_definition(pieces):
    text = "".join(pieces)
    assert hedging_of(text) is oracle_hedging(text)


@given(st.lists(st.sampled_from(PIECES), max_size=40), st.integers(1, 6), st.booleans())
@settings(max_examples=200, deadline=None)
def test_session_matches_detector_without_entropy(pieces, every, small_window):
    cfg = DriftConfig(detect_entropy_spike=False, sliding_window_size=40 if small_window else 500)
    det = DriftDetector(cfg)
    sess = det.new_session()
    s = State()
    for i, p in enumerate(pieces, 1):
        s.buffer.append(p)
        if i % every == 0:
            assert sess.check(s, p) == det.check(s.content, p)
    s.completed = True
    assert sess.check(s, "") == det.check(s.content, "")


def test_session_entropy_samples_all_text_since_the_last_check():
    sess = DriftDetector().new_session()
    s = State()
    for _ in range(11):
        s.buffer.append("a")
        s.buffer.append("a")
        assert sess.check(s, "aa").detected is False
    s.buffer.append("abcdefghij")
    r = sess.check(s, "abcdefghij")
    assert r.types == ["entropy_spike"]
    assert sess.get_history()["entropy"] == [0.0] * 11 + [pytest.approx(3.321928094887362)]
    assert sess.get_history()["tokens"][-1] == "abcdefghij"


def test_entropy_ring_is_bounded_by_the_window():
    sess = DriftDetector(DriftConfig(entropy_window=8)).new_session()
    s = State()
    for i in range(100):
        s.buffer.append("tok%d" % i)
        sess.check(s, "tok")
    assert len(sess.get_history()["entropy"]) == 8


class NoWholeContent:
    """A buffer proxy that fails if a session materialises the whole text."""

    def __init__(self, buf):
        self._buf = buf

    def __getattr__(self, name):
        if name == "content":
            raise AssertionError("a drift session must not read the whole content")
        return getattr(self._buf, name)

    def __len__(self):
        return len(self._buf)


def test_session_reads_only_windows():
    s = State()
    s.__dict__["buffer"] = NoWholeContent(s.buffer)
    sess = DriftDetector().new_session()
    for i in range(300):
        s.buffer._buf.append("Certainly!   \n" if i == 0 else "word%d, " % i)
        if i % 25 == 0:
            sess.check(s, "x")
    s.completed = True
    assert "hedging" in sess.check(s, "").types


@pytest.mark.parametrize("replacement", ["Plain", "Plain start " + "text " * 80])
def test_session_restarts_when_the_content_is_replaced(replacement):
    sess = DriftSession()
    s = State()
    s.buffer.append("Sure!\nok " + "text " * 50)
    assert "hedging" in sess.check(s, "x").types
    s.content = replacement
    assert "hedging" not in sess.check(s, "x").types


def test_interleaved_sessions_of_one_detector_are_independent():
    det = DriftDetector()
    texts = ["Sure!\n" + "ok yeah " * 40, "Formal prose, therefore thus hence. " * 10, "As an AI " + "x " * 100]
    solo = []
    for t in texts:
        sess = det.new_session()
        s = State()
        res = []
        for i in range(0, len(t), 9):
            s.buffer.append(t[i:i + 9])
            res.append(sess.check(s, t[i:i + 9]))
        solo.append(res)
    sessions = [det.new_session() for _ in texts]
    states = [State() for _ in texts]
    got = [[] for _ in texts]
    for step in range(max(len(t) for t in texts) // 9 + 1):
        for k, t in enumerate(texts):
            chunk = t[step * 9:step * 9 + 9]
            if chunk:
                states[k].buffer.append(chunk)
                got[k].append(sessions[k].check(states[k], chunk))
    assert got == solo
    assert any(r.detected for res in solo for r in res)


def test_long_hedge_whitespace_run_is_tracked_incrementally():
    sess = DriftSession()
    s = State()
    s.buffer.append("Sure!")
    for _ in range(50):
        s.buffer.append("     ")
        sess.check(s, "")
    assert "hedging" in sess.check(s, "").types
    s.buffer.append(" and more")
    assert "hedging" not in sess.check(s, "").types


@given(st.lists(st.text(alphabet="abcdefgh ijk\u00e9\U0001f600", min_size=1, max_size=12), max_size=80),
       st.integers(1, 9))
@settings(max_examples=100, deadline=None)
def test_entropy_spikes_same_on_both_kernels(twins, tokens, every):
    from unittest import mock

    def run(k):
        with mock.patch.object(drift_session, "EntropyRing", k.EntropyRing), \
                mock.patch.object(drift_session, "WindowScan", k.WindowScan):
            sess = DriftDetector(DriftConfig(entropy_window=16, entropy_threshold=1.5)).new_session()
            s = State()
            out = []
            pos = 0
            for i, t in enumerate(tokens, 1):
                s.buffer.append(t)
                if i % every == 0:
                    out.append(sess.check(s, s.buffer.since(pos)).types)
                    pos = len(s.buffer)
            return out, sess.get_history()["entropy"]

    (types_c, ent_c), (types_p, ent_p) = run(twins[0]), run(twins[1])
    assert types_c == types_p
    assert ent_c == pytest.approx(ent_p, abs=1e-12)
