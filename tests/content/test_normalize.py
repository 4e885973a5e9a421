"""l0.normalize (Text): exact outputs and idempotence properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import l0
from l0.normalize import (
    NormalizeOptions, Text, WhitespaceOptions, count_lines, dedent, ensure_trailing_newline, get_line, indent,
    is_whitespace_only, normalize_for_model, normalize_indentation, normalize_newlines, normalize_text,
    normalize_whitespace, remove_trailing_whitespace, replace_line, trim_text,
)

SAMPLE = "  a  b   c  \n\n\t d \t\n   \n e\r\nf\rg  "


def test_normalize_newlines() -> None:
    assert normalize_newlines("a\r\nb\rc\n") == "a\nb\nc\n"
    assert normalize_newlines("") == ""


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, "  a  b   c  \n\n\t d \t\n   \n e\nf\ng  "),
        ({"remove_empty_lines": True}, "  a  b   c  \n\t d \t\n e\nf\ng  "),
        ({"trim_lines": True}, "a  b   c\n\nd\n\ne\nf\ng"),
        ({"trim_lines": True, "remove_empty_lines": True}, "a  b   c\nd\ne\nf\ng"),
        ({"collapse_spaces": True}, " a b c \n\n\t d \t\n \n e\nf\ng "),
        ({"collapse_spaces": True, "remove_empty_lines": True}, " a b c \n\t d \t\n e\nf\ng "),
        ({"collapse_spaces": True, "trim_lines": True}, "a b c\n\nd\n\ne\nf\ng"),
    ],
)
def test_normalize_whitespace(options: dict, expected: str) -> None:
    assert normalize_whitespace(SAMPLE, **options) == expected
    assert Text.normalize_whitespace(SAMPLE, **options) == expected


@pytest.mark.parametrize(
    ("mode", "n", "expected"),
    [("spaces", 1, "  x\n    y\n  \n z"), ("spaces", 2, "    x\n    y\n  \n  z"),
     ("spaces", 4, "        x\n    y\n  \n    z"), ("tabs", 1, "\t\tx\n\t\t\t\ty\n\t\t\n\tz"),
     ("tabs", 2, "\t\tx\n\t\ty\n\t\n\tz"), ("tabs", 4, "\t\tx\n\ty\n  \n\tz")],
)
def test_normalize_indentation(mode: str, n: int, expected: str) -> None:
    assert normalize_indentation("\t\tx\n    y\n  \n\tz", mode, n) == expected  # type: ignore[arg-type]


def test_indentation_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="mode must be"):
        normalize_indentation("x", "both")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="spaces_per_tab"):
        normalize_indentation("x", "spaces", 0)


def test_dedent_indent_trim() -> None:
    assert dedent("\t\tx\n    y\n  \n\tz") == "\tx\n   y\n  \nz"
    assert dedent("  a\n    b\n") == "a\n  b\n"
    assert dedent(" \t a\n\t  b") == "a\nb"
    assert dedent(" a\r b") == "a\nb"
    assert dedent(SAMPLE) == SAMPLE  # no common indentation: unchanged, CRs included
    assert indent("  a\n    b\n") == "    a\n      b\n"
    assert indent("a\n\n b", 4) == "    a\n\n     b"
    assert indent("a\n   \nb", "> ") == "> a\n   \n> b"
    assert trim_text("\n\n  x  \n\n") == "x"
    assert trim_text(SAMPLE) == "a  b   c  \n\n\t d \t\n   \n e\nf\ng"


def test_small_helpers() -> None:
    assert ensure_trailing_newline("a") == "a\n"
    assert ensure_trailing_newline("\n\n  x  \n\n") == "\n\n  x  \n"
    assert ensure_trailing_newline("\r\n\r\n") == "\n"
    assert ensure_trailing_newline("") == ""
    assert remove_trailing_whitespace(SAMPLE) == "  a  b   c\n\n\t d\n\n e\nf\ng"
    assert normalize_for_model(SAMPLE) == "a b c \n\n\t d \t\n \n e\nf\ng"
    assert is_whitespace_only("") and is_whitespace_only(" \t\n") and not is_whitespace_only(" a")
    assert count_lines("") == 0 and count_lines("a") == 1 and count_lines("a\n\n") == 3 and count_lines(SAMPLE) == 7
    assert get_line("a\nb", 1) == "b" and get_line("a\nb", 2) is None and get_line("a", -1) is None
    assert get_line("", 0) is None
    assert replace_line("a\r\nb", 1, "X") == "a\nX" and replace_line("a", 3, "X") == "a" and replace_line("", 0, "X") == ""


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, "\t\tx  y\n    z\n"),
        ({"whitespace": True}, "\t\tx y\n z\n"),
        ({"indentation": "spaces", "spaces_per_tab": 4}, "        x  y\n    z\n"),
        ({"indentation": "tabs"}, "\t\tx  y\n\t\tz\n"),
        ({"dedent_text": True}, "x  y\n  z\n"),
        ({"trim": True}, "x  y\n    z"),
        ({"newlines": False, "whitespace": True, "indentation": "tabs", "dedent_text": True, "trim": True}, "x y\nz"),
    ],
)
def test_normalize_text(options: dict, expected: str) -> None:
    text = "\t\tx  y\r\n    z\r\n"
    assert normalize_text(text, **options) == expected
    assert Text.normalize(text, **options) == expected


def test_option_dataclasses_and_namespace() -> None:
    assert WhitespaceOptions() == WhitespaceOptions(False, False, False)
    assert NormalizeOptions() == NormalizeOptions(True, False, False, 2, False, False)
    assert l0.Text is Text and l0.NormalizeOptions is NormalizeOptions and l0.WhitespaceOptions is WhitespaceOptions
    assert Text.trim is trim_text and Text.for_model is normalize_for_model
    members = ("normalize_newlines normalize_whitespace normalize_indentation dedent indent trim normalize for_model "
               "ensure_trailing_newline remove_trailing_whitespace is_whitespace_only count_lines get_line "
               "replace_line NormalizeOptions WhitespaceOptions").split()
    assert [m for m in members if not hasattr(Text, m)] == []


def test_non_text_is_rejected() -> None:
    with pytest.raises(TypeError, match="text must be a str"):
        normalize_text(None)  # type: ignore[arg-type]


# --- idempotence: applying twice changes nothing -----------------------------------------

_messy = st.text(alphabet=st.sampled_from(list(" \t\n\rab\u00a0\u2028.")), max_size=40)

IDEMPOTENT = [
    normalize_newlines,
    lambda t: normalize_whitespace(t, collapse_spaces=True, trim_lines=True, remove_empty_lines=True),
    lambda t: normalize_whitespace(t, collapse_spaces=True),
    lambda t: normalize_whitespace(t, trim_lines=True),
    lambda t: normalize_indentation(t, "spaces", 4),
    trim_text,
    normalize_for_model,
    ensure_trailing_newline,
    remove_trailing_whitespace,
    lambda t: normalize_text(t, whitespace=True, trim=True),
]
# Not in the list: whitespace + indentation together, since spaces are collapsed before tabs
# become spaces (the documented order), so a second pass collapses what the first made.


@pytest.mark.parametrize("fn", IDEMPOTENT, ids=lambda f: getattr(f, "__name__", "fn"))
@given(text=_messy)
def test_idempotent(fn, text: str) -> None:
    once = fn(text)
    assert fn(once) == once


@given(_messy)
def test_dedent_is_idempotent_after_newline_normalisation(text: str) -> None:
    once = dedent(normalize_newlines(text))
    assert dedent(once) == once


@given(_messy)
def test_normalised_text_has_no_carriage_returns(text: str) -> None:
    assert "\r" not in normalize_text(text)
    assert count_lines(text) == (len(normalize_newlines(text).split("\n")) if text else 0)
