"""l0.window chunking: exact spans per strategy, tokenizers, and coverage/overlap properties."""

from __future__ import annotations

import importlib
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import l0
from l0.window import (
    DocumentChunk, DocumentWindow, Window, WindowConfig, chunk_document, estimate_chars_for_tokens, estimate_tokens,
    merge_chunks,
)
from l0.window._chunking import boundaries


def need(module: str):
    """Import an optional test dependency: skipped locally if missing, a failure under CI (dev extra installs it)."""
    if os.environ.get("CI") == "true":
        return importlib.import_module(module)
    return pytest.importorskip(module)


def spans(document: str, **config) -> list[tuple[int, int]]:
    return [(c.start_pos, c.end_pos) for c in chunk_document(document, WindowConfig(**config))]


PARAS = "\n\n".join(f"Para {i}. " + "x" * 150 for i in range(10))
SENTENCES = " ".join(f"Sentence number {i} is here!" for i in range(30))


def test_token_strategy_uses_the_estimated_ratio() -> None:
    # The reference also emitted (960, 1000), a chunk inside the previous one.
    assert spans("a" * 1000, size=100, overlap=10) == [(0, 400), (360, 760), (720, 1000)]
    assert spans("a" * 1000, size=100, overlap=0) == [(0, 400), (400, 800), (800, 1000)]
    assert spans("a" * 10, size=100, overlap=10) == [(0, 10)]
    assert spans("ab" * 5, size=1, overlap=0) == [(0, 5), (5, 10)]  # 10 chars / 2 estimated tokens
    custom = spans("x" * 50, size=5, overlap=1, estimate_tokens=lambda t: len(t) // 2)
    assert custom == [(0, 10), (8, 18), (16, 26), (24, 34), (32, 42), (40, 50)]


def test_char_strategy_counts_characters() -> None:
    assert spans("a" * 250, size=100, overlap=10, strategy="char") == [(0, 100), (90, 190), (180, 250)]


def test_paragraph_and_sentence_strategies() -> None:
    assert spans(PARAS, size=100, overlap=20, strategy="paragraph") == [
        (0, 320), (320, 640), (640, 960), (960, 1280), (1280, 1598)]
    assert spans(PARAS, size=30, overlap=20, strategy="paragraph")[:3] == [(0, 160), (160, 320), (320, 480)]
    assert spans(SENTENCES, size=20, overlap=5, strategy="sentence")[:3] == [(0, 54), (54, 108), (108, 162)]
    assert spans(SENTENCES, size=20, overlap=10, strategy="sentence")[:3] == [(0, 54), (27, 81), (54, 108)]


def test_no_window_inside_another_with_large_boundary_overlap() -> None:
    # Boundaries 0, 10, 20, 500: the reference emitted (10, 20) inside (0, 20).
    doc = "a" * 8 + ". " + "b" * 8 + ". " + "c" * 480
    assert boundaries(doc, "sentence") == [0, 10, 20, 500]
    assert spans(doc, size=25, overlap=20, strategy="sentence", estimate_tokens=len) == [(0, 20), (20, 500)]


def test_chunk_fields() -> None:
    chunks = chunk_document("abc def", WindowConfig(size=1, overlap=0, strategy="char", metadata={"a": 1}))
    assert chunks[0] == DocumentChunk(0, "a", 0, 1, 0, 1, True, False, 7, {"a": 1})
    assert chunks[-1].is_last and not chunks[-1].is_first and chunks[-1].index == 6
    assert chunks[0].metadata is not chunks[1].metadata
    assert chunk_document("", WindowConfig()) == []


def test_config_validation() -> None:
    assert WindowConfig() == WindowConfig(2000, 200, "token", None, True, False, None)
    with pytest.raises(ValueError, match="Unknown chunking strategy: bogus"):
        WindowConfig(strategy="bogus")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="overlap must be >= 0 and smaller than size"):
        WindowConfig(size=100)
    with pytest.raises(ValueError, match="size must be >= 1"):
        WindowConfig(size=0, overlap=0)
    with pytest.raises(TypeError, match="size must be an int"):
        WindowConfig(size=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="document must be a str"):
        chunk_document(b"x", WindowConfig())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="estimate_tokens must be"):
        chunk_document("x", WindowConfig(estimate_tokens=42))
    with pytest.raises(TypeError, match="must return an int"):
        chunk_document("x", WindowConfig(estimate_tokens=lambda t: "3"))


def test_estimates() -> None:
    assert estimate_tokens("abcdefgh") == 2 and Window.estimate_tokens("abc") == 0
    assert estimate_chars_for_tokens(3) == 12


def test_window_presets() -> None:
    doc = "word " * 3000
    assert (Window.small(doc).config.size, Window.small(doc).config.overlap) == (1000, 100)
    assert (Window.medium(doc).config.size, Window.large(doc).config.size) == (2000, 4000)
    assert Window.paragraph(doc).config.strategy == "paragraph" and Window.sentence(doc).config.size == 1500
    w = Window.create(doc, size=100, overlap=10, strategy="char", metadata={"k": 1})
    assert w.config == WindowConfig(100, 10, "char", None, metadata={"k": 1})
    assert Window.chunk(doc, WindowConfig(size=500, overlap=0)) == w.__class__(doc, WindowConfig(size=500, overlap=0)).get_all_chunks()
    assert l0.Window is Window and l0.DocumentWindow is DocumentWindow and l0.WindowConfig is WindowConfig


# --- tokenizers ---------------------------------------------------------------------------

def tiny_tiktoken():
    """A tiktoken Encoding built in memory: every byte, plus merges for a few words."""
    tiktoken = need("tiktoken")
    ranks = {bytes([i]): i for i in range(256)}
    for word in (b"he", b"hel", b"hell", b"hello", b" w", b" wo", b" wor", b" worl", b" world"):
        ranks[word] = len(ranks)
    return tiktoken.Encoding("tiny", pat_str=r"""'s|'t| ?\w+| ?[^\s\w]+|\s+""", mergeable_ranks=ranks,
                             special_tokens={})


def tiny_hf():
    """A Hugging Face WordLevel tokenizer over whitespace-separated words."""
    tokenizers = need("tokenizers")
    vocab = {"[UNK]": 0, "hello": 1, "world": 2, "é": 3}
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Whitespace()
    return tok


@pytest.mark.parametrize("make", [tiny_tiktoken, tiny_hf], ids=["tiktoken", "tokenizers"])
def test_token_windows_cut_at_exact_token_boundaries(make) -> None:
    tok = make()
    doc = " ".join(["hello world"] * 40) + " ok, fine!"  # multibyte text: see the next test
    chunks = chunk_document(doc, WindowConfig(size=7, overlap=2, estimate_tokens=tok))
    assert merge_chunks(chunks) == doc and chunks[0].start_pos == 0 and chunks[-1].end_pos == len(doc)
    count = (lambda t: len(tok.encode(t, disallowed_special=()))) if hasattr(tok, "decode_tokens_bytes") else (
        lambda t: len(tok.encode(t, add_special_tokens=False).ids))
    assert all(c.token_count == count(c.content) for c in chunks)
    assert all(c.token_count <= 7 for c in chunks)
    assert max(c.token_count for c in chunks[:-1]) == 7
    for a, b in zip(chunks, chunks[1:]):
        assert count(doc[b.start_pos:a.end_pos]) in (2, 3)  # two tokens (a split word may count one more)


def test_tiktoken_offsets_handle_multibyte_text() -> None:
    enc = tiny_tiktoken()
    doc = "héllo wörld 😀 " * 30
    chunks = chunk_document(doc, WindowConfig(size=5, overlap=1, estimate_tokens=enc))
    assert merge_chunks(chunks) == doc
    assert all(0 <= c.start_pos < c.end_pos <= len(doc) for c in chunks)


def test_encoding_names_resolve_through_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    tiktoken = need("tiktoken")
    from l0.window import _tokens

    enc = tiny_tiktoken()
    monkeypatch.setattr(tiktoken, "get_encoding", lambda name: enc if name == "tiny" else (_ for _ in ()).throw(ValueError(name)))
    _tokens._named.cache_clear()
    try:
        chunks = chunk_document("hello world " * 10, WindowConfig(size=4, overlap=1, estimate_tokens="tiny"))
        assert chunks[0].token_count == 4
    finally:
        _tokens._named.cache_clear()


def test_unknown_encoding_without_tokenizers_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from l0.window import _tokens

    real = importlib.import_module

    def blocked(name: str, *args):
        if name in ("tiktoken", "tokenizers"):
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(_tokens.importlib, "import_module", blocked)
    _tokens._named.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"pip install 'l0\[tokenizers\]'"):
            chunk_document("x", WindowConfig(estimate_tokens="cl100k_base"))
    finally:
        _tokens._named.cache_clear()


# --- properties -------------------------------------------------------------------------

_doc = st.text(alphabet=st.sampled_from(list("ab .!?\n\t")), min_size=1, max_size=400)


def _check_common(doc: str, chunks: list[DocumentChunk]) -> None:
    assert chunks[0].start_pos == 0 and chunks[-1].end_pos == len(doc)
    for i, c in enumerate(chunks):
        assert c.content == doc[c.start_pos:c.end_pos] and c.char_count == len(c.content) > 0
        assert (c.index, c.is_first, c.is_last, c.total_chunks) == (i, i == 0, i == len(chunks) - 1, len(chunks))
    for a, b in zip(chunks, chunks[1:]):
        assert a.start_pos < b.start_pos <= a.end_pos < b.end_pos  # no gap, none inside another
    assert merge_chunks(chunks) == doc


@settings(max_examples=150)
@given(_doc, st.integers(1, 60), st.data())
def test_char_windows_cover_and_overlap_exactly(doc: str, size: int, data) -> None:
    overlap = data.draw(st.integers(0, size - 1))
    chunks = chunk_document(doc, WindowConfig(size=size, overlap=overlap, strategy="char"))
    _check_common(doc, chunks)
    assert all(c.char_count == size for c in chunks[:-1])
    assert all(a.end_pos - b.start_pos == overlap for a, b in zip(chunks, chunks[1:]))


@settings(max_examples=150)
@given(_doc, st.integers(1, 30), st.data())
def test_token_windows_cover_and_overlap_by_the_ratio(doc: str, size: int, data) -> None:
    overlap = data.draw(st.integers(0, size - 1))
    chunks = chunk_document(doc, WindowConfig(size=size, overlap=overlap))
    _check_common(doc, chunks)
    sample = doc[:1000]
    cpt = len(sample) / (len(sample) // 4) if len(sample) // 4 else 4.0
    size_chars = max(int(size * cpt), 1)
    overlap_chars = min(int(overlap * cpt), size_chars - 1)
    assert all(c.char_count == size_chars for c in chunks[:-1])
    assert all(a.end_pos - b.start_pos == overlap_chars for a, b in zip(chunks, chunks[1:]))


@settings(max_examples=150)
@given(_doc, st.sampled_from(["paragraph", "sentence"]), st.integers(1, 30), st.data())
def test_boundary_windows_start_on_boundaries_and_overlap_at_most_configured(doc, strategy, size, data) -> None:
    overlap = data.draw(st.integers(0, size - 1))
    chunks = chunk_document(doc, WindowConfig(size=size, overlap=overlap, strategy=strategy))
    _check_common(doc, chunks)
    points = set(boundaries(doc, strategy))
    assert all(c.start_pos in points and c.end_pos in points for c in chunks)
    for a, b in zip(chunks, chunks[1:]):
        assert 0 <= a.end_pos - b.start_pos <= overlap * 4
    for c in chunks:
        inner = [p for p in points if c.start_pos < p < c.end_pos]
        assert c.char_count <= size * 4 or not inner  # oversize only when one segment is longer


@settings(max_examples=60)
@given(st.lists(st.sampled_from(["hello", "world", "é", "x"]), min_size=1, max_size=80), st.integers(2, 9), st.data())
def test_exact_token_windows(words: list[str], size: int, data) -> None:
    tok = tiny_hf()
    overlap = data.draw(st.integers(0, size - 1))
    doc = " ".join(words)
    chunks = chunk_document(doc, WindowConfig(size=size, overlap=overlap, estimate_tokens=tok))
    _check_common(doc, chunks)
    starts = [s for s, e in tok.encode(doc, add_special_tokens=False).offsets]
    for c in chunks[:-1]:
        assert sum(c.start_pos <= s < c.end_pos for s in starts) == size + (c.index == 0 and 0)
    for a, b in zip(chunks, chunks[1:]):
        assert sum(b.start_pos <= s < a.end_pos for s in starts) == overlap
