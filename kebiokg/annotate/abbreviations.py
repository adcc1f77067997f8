"""Abbreviations defined in the text: "myocardial infarction (MI)" (Schwartz & Hearst, PSB 2003).

A short form in parentheses after its long form; the long form is the shortest run of preceding
words in which the short form's characters appear in order, the first one starting a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARENTHESIS = re.compile(r"\(([^()]{1,12})\)")
_WORD_START = re.compile(r"\S+")
_SENTENCE_BREAK = re.compile(r"[.;:!?]\s|[()\[\]]")


@dataclass(frozen=True)
class Abbreviation:
    short: str
    short_start: int
    long_start: int
    long_end: int


def _valid_short_form(short: str) -> bool:
    return (2 <= len(short) <= 10 and short[0].isalnum() and any(ch.isalpha() for ch in short)
            and len(short.split()) <= 2)


def _long_form_start(short: str, text: str, window_start: int, window_end: int) -> int | None:
    """Where the long form of `short` starts in text[window_start:window_end], or None."""
    s, pos = len(short) - 1, window_end - 1
    while s >= 0:
        ch = short[s].lower()
        if not ch.isalnum():
            s -= 1
            continue
        while pos >= window_start and (text[pos].lower() != ch
                                       or (s == 0 and pos > window_start and text[pos - 1].isalnum())):
            pos -= 1
        if pos < window_start:
            return None
        pos -= 1
        s -= 1
    start = pos + 1
    while start > window_start and not text[start - 1].isspace():  # back to the start of its word
        start -= 1
    return start


def find_abbreviations(text: str) -> list[Abbreviation]:
    """Short forms defined in `text` with the span of their long form."""
    found = []
    for match in _PARENTHESIS.finditer(text):
        short = match.group(1).strip()
        if not _valid_short_form(short):
            continue
        end = match.start()
        while end > 0 and text[end - 1].isspace():
            end -= 1
        # the window: at most min(|SF| + 5, 2|SF|) words before the parenthesis, within the sentence
        words = list(_WORD_START.finditer(text, max(0, end - 300), end))
        limit = min(len(short) + 5, 2 * len(short))
        words = words[-limit:]
        if not words:
            continue
        window_start = words[0].start()
        breaks = list(_SENTENCE_BREAK.finditer(text, window_start, end))
        if breaks:
            window_start = breaks[-1].end()
        start = _long_form_start(short, text, window_start, end)
        if start is None or end - start <= len(short):
            continue
        long_form = text[start:end]
        if short.lower() in long_form.lower().split():
            continue
        found.append(Abbreviation(short, match.start(1) + match.group(1).index(short), start, end))
    return found
