"""PLACEHOLDER (being replaced by the kernel work of issue 2): naive ContentBuffer."""

from __future__ import annotations


class ContentBuffer:
    def __init__(self, capacity: int = 256) -> None:
        self._tokens: list[str] = []
        self._text = ""

    def append(self, token: str) -> None:
        if not isinstance(token, str):
            raise TypeError(f"token must be str, got {type(token).__name__}")
        self._tokens.append(token)
        self._text += token

    @property
    def content(self) -> str:
        return self._text

    @property
    def token_count(self) -> int:
        return len(self._tokens)

    def __len__(self) -> int:
        return len(self._text)

    def tail(self, k: int) -> str:
        return self._text[-k:] if k else ""

    def since(self, pos: int) -> str:
        return self._text[pos:]

    def truncate(self, length: int) -> None:
        self._text = self._text[:length]

    def clear(self) -> None:
        self._tokens.clear()
        self._text = ""
