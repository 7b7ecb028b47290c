"""Which language a text is written in, as far as retrieval needs to know.

Only the script matters here: BM25 can match a question to an article only when
both are written in the same one. A question with Hangul is Korean; one with Latin
letters and no Hangul is taken as English (the only other language the articles
come in today); anything else (digits, emoji) has no language.
"""

from __future__ import annotations

__all__ = ["text_language"]

# Below this share of Hangul among letters, a mixed text is English with a Korean
# name in it, not Korean with English names in it.
_MIN_HANGUL_SHARE = 0.2


def text_language(text: str) -> str:
    """ "ko", "en" or "" (no letters)."""
    hangul = latin = 0
    for char in text:
        if "가" <= char <= "힣" or "ㄱ" <= char <= "ㆎ":
            hangul += 1
        elif char.isascii() and char.isalpha():
            latin += 1
    if hangul and hangul >= _MIN_HANGUL_SHARE * (hangul + latin):
        return "ko"
    return "en" if latin else ""
