"""Token counting for windows: the documented estimate, any callable, or a real tokenizer.

A *tokenizer* here is anything that can give token offsets: a tiktoken
``Encoding`` or a Hugging Face ``tokenizers.Tokenizer``. Both are optional; an
encoding name is resolved with whichever is installed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any, Protocol

__all__ = ["estimate_tokens", "estimate_chars_for_tokens", "TokenCounter", "resolve_counter"]


def estimate_tokens(text: str) -> int:
    """The documented estimate: ``len(text) // 4``."""
    return len(text) // 4


def estimate_chars_for_tokens(tokens: int) -> int:
    """Characters for ``tokens`` tokens under the estimate: ``tokens * 4``."""
    return tokens * 4


class TokenCounter(Protocol):
    """How a window counts tokens; ``offsets`` is None when token boundaries are unknown."""

    def count(self, text: str) -> int: ...

    def offsets(self, text: str) -> list[int] | None: ...


class _CallableCounter:
    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[str], int]) -> None:
        self.fn = fn

    def count(self, text: str) -> int:
        value = self.fn(text)
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"estimate_tokens must return an int, got {type(value).__name__}")
        return value

    def offsets(self, text: str) -> list[int] | None:
        return None


class _TiktokenCounter:
    """tiktoken ``Encoding``: token start offsets from the decoded byte lengths."""

    __slots__ = ("enc",)

    def __init__(self, enc: Any) -> None:
        self.enc = enc

    def count(self, text: str) -> int:
        return len(self.enc.encode(text, disallowed_special=()))

    def offsets(self, text: str) -> list[int] | None:
        ids = self.enc.encode(text, disallowed_special=())
        starts: list[int] = []
        pos = 0  # in bytes of the UTF-8 text
        for token in self.enc.decode_tokens_bytes(ids):
            starts.append(pos)
            pos += len(token)
        if text.isascii():
            return starts if pos == len(text) else None
        raw = text.encode("utf-8", "surrogatepass")
        if pos != len(raw):
            return None  # the tokenizer replaced something: boundaries unknown, use the ratio
        # Token byte offsets -> character offsets (a token may start inside a multi-byte
        # character: it is moved to that character's start).
        char_of_byte = _char_starts(text, len(raw))
        out = []
        last = -1
        for b in starts:
            c = char_of_byte[b] if b < len(char_of_byte) else len(text)
            if c != last:
                out.append(c)
                last = c
        return out


def _char_starts(text: str, nbytes: int) -> list[int]:
    table = [0] * (nbytes + 1)
    b = 0
    for i, ch in enumerate(text):
        n = len(ch.encode("utf-8", "surrogatepass"))
        for k in range(n):
            table[b + k] = i
        b += n
    table[nbytes] = len(text)
    return table


class _HFCounter:
    """Hugging Face ``tokenizers.Tokenizer``: offsets come with the encoding."""

    __slots__ = ("tok",)

    def __init__(self, tok: Any) -> None:
        self.tok = tok

    def count(self, text: str) -> int:
        return len(self.tok.encode(text, add_special_tokens=False).ids)

    def offsets(self, text: str) -> list[int] | None:
        enc = self.tok.encode(text, add_special_tokens=False)
        out: list[int] = []
        last = -1
        for start, end in enc.offsets:
            if end > start and start != last:
                out.append(start)
                last = start
        return out


class _Estimate:
    __slots__ = ()

    def count(self, text: str) -> int:
        return len(text) // 4

    def offsets(self, text: str) -> list[int] | None:
        return None


ESTIMATE = _Estimate()


@lru_cache(maxsize=16)
def _named(name: str) -> TokenCounter:
    errors = []
    try:
        tiktoken = importlib.import_module("tiktoken")
    except ImportError:
        errors.append("tiktoken is not installed")
    else:
        try:
            return _TiktokenCounter(tiktoken.get_encoding(name))
        except (ValueError, KeyError) as exc:
            try:
                return _TiktokenCounter(tiktoken.encoding_for_model(name))
            except (ValueError, KeyError):
                errors.append(f"tiktoken: {exc}")
    try:
        tokenizers = importlib.import_module("tokenizers")
    except ImportError:
        errors.append("tokenizers is not installed")
    else:
        try:
            return _HFCounter(tokenizers.Tokenizer.from_pretrained(name))
        except Exception as exc:  # noqa: BLE001 - any loading failure is reported with the others
            errors.append(f"tokenizers: {exc}")
    raise ValueError(
        f"estimate_tokens={name!r}: no tokenizer found ({'; '.join(errors)}); "
        "install one with pip install 'l0[tokenizers]' or pass a str -> int callable"
    )


def resolve_counter(spec: Any) -> TokenCounter:
    """The :class:`TokenCounter` for ``WindowConfig.estimate_tokens``."""
    if spec is None:
        return ESTIMATE
    if isinstance(spec, str):
        return _named(spec)
    kind = type(spec).__module__.split(".")[0]
    if kind == "tiktoken" and hasattr(spec, "decode_tokens_bytes"):
        return _TiktokenCounter(spec)
    if kind == "tokenizers" and hasattr(spec, "encode"):
        return _HFCounter(spec)
    if callable(spec):
        return _CallableCounter(spec)
    raise TypeError(
        "estimate_tokens must be a str -> int callable, a tiktoken Encoding, a tokenizers.Tokenizer, "
        f"an encoding name or None; got {type(spec).__name__}"
    )

