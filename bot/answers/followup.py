"""Follow-up questions: "중국은?" read together with the question it follows.

No language model: a follow-up is recognised by what it lacks. A question with two
or more content words of its own (names, nouns, numbers) carries its own topic and is
answered alone. One with none ("왜?", "그건 언제야?") or one ("중국은?", "그럼 GPT-4는?")
is elliptical: it is searched with the earlier question's words at half the weight of
its own (BM25 counts a term asked twice twice, so the new terms are repeated), the
passages the earlier answer quoted and their neighbours rank higher, and a passage must
still hold one of the new question's own content words, and pass the relevance check
of the combined question (where the earlier words count half).

``explicit`` says how sure the caller is that this is a follow-up: a reply to one of
the bot's answers is (one content word is enough); a plain next message in a private
chat is only when it also looks elliptical: it starts with a word like 그럼, points
back (그 보고서, 그건), or is just a topic and a particle ("중국은?", "일본도?"). A message
without content words follows up only when it asks something ("왜?", "언제?"), not
"고마워".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from dataclasses import dataclass

from ..search import Query, SearchIndex
from ..search.analyzer import QUESTION_WORDS
from .answer import Answer
from .relevance import is_content_word

__all__ = [
    "ANSWERED_BOOST",
    "EARLIER_WEIGHT",
    "NEIGHBOUR_BOOST",
    "FollowUp",
    "Turn",
    "content_words",
    "follow_up",
    "is_follow_up",
]

# The earlier question's words weigh half as much as the new question's own (in the
# search, by repeating the new terms, and in the relevance check).
EARLIER_WEIGHT = 0.5
_NEW_REPEAT = round(1 / EARLIER_WEIGHT)
# Passages the earlier answer quoted, and the ones next to them in their article, rank
# this much higher (a factor, so it means the same with BM25 alone and fused scores).
ANSWERED_BOOST = 0.25
NEIGHBOUR_BOOST = 0.1
# Words that point back instead of naming something: no topic of their own.
_POINTERS = frozenset(
    {
        "그", "이", "저", "그거", "그것", "이거", "이것", "저거", "저것", "거기", "여기", "저기",
        "그때", "이때", "그곳", "이곳", "그분", "그들", "이들", "그녀", "그쪽", "이쪽",
        "it", "that", "this", "they", "them", "there", "then",
    }
)  # fmt: skip
# A plain message leaning on what came before: "그럼 …", "and …", "what about …".
_LEANING = re.compile(
    r"^\s*(그럼|그러면|그렇다면|그리고|그런데|근데|그래서|그러니까|또|아니면|and\b|so\b|then\b"
    r"|what about\b|how about\b)",
    re.IGNORECASE,
)
# …or just a topic and a particle: "중국은?", "일본도?", "미국은요?".
_TOPIC_ONLY = re.compile(r"[은는도](요)?\s*[?？.!~]*\s*$")
_ENGLISH_QUESTION = re.compile(r"\b(what|why|when|where|who|which|how)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Turn:
    """An earlier question and the passages its answer quoted: a follow-up's context."""

    question: str  # what the answer was about (a follow-up's own earlier question)
    passage_ids: tuple[str, ...] = ()

    @classmethod
    def of(cls, answer: Answer) -> Turn | None:
        """The context an answer gives to a follow-up; None when it quoted nothing."""
        if not answer.answered:
            return None
        ids = tuple(hit.passage.id for hit in answer.hits)
        return cls(answer.followup_of or answer.question, ids)


@dataclass(frozen=True, slots=True)
class FollowUp:
    """How to answer a question as a follow-up: the combined query, what a passage must
    hold, and which passages rank higher."""

    earlier: str  # the question it follows (what the answer says it took it as)
    query: Query  # its own words, and the earlier question's at EARLIER_WEIGHT
    own: frozenset[str]  # its own content words: a passage must hold one (or a synonym)
    boosts: Mapping[str, float]  # passage id -> how much higher it ranks
    needs: tuple[frozenset[str], ...] = ()  # each own word's whole forms (not "4" of GPT-4)

    def keeps(self, words: Set[str]) -> bool:
        """Whether a passage with these word terms may answer it."""
        return not self.needs or any(forms & words for forms in self.needs)

    def boost(self, passage_id: str) -> float:
        """The factor a passage's rank is multiplied by."""
        return 1.0 + self.boosts.get(passage_id, 0.0)


def content_words(query: Query) -> frozenset[str]:
    """The question's own topic words: names, nouns and numbers, not pointers (그거) or
    the nouns questions are framed with; the parts of a compound the analyzer also keeps
    (오픈소스 → 오픈, 소스; GPT-4 → gpt, 4) count as the one word."""
    words = {
        w
        for w in query.words
        if w not in _POINTERS and is_content_word(w, query.kinds.get(w, "name"))
    }
    return _wholes(words)


def _wholes(words: Set[str]) -> frozenset[str]:
    """``words`` without those that are part of another one."""
    return frozenset(w for w in words if not any(w != other and w in other for other in words))


def is_follow_up(query: Query, *, explicit: bool = True) -> bool:
    """Whether the question leans on the one before (see the module's docstring)."""
    own = content_words(query)
    if len(own) >= 2:
        return False  # its own topic: it wins
    if not own:
        return _asks(query.text)
    if explicit or query.words & _POINTERS:
        return True
    return bool(_LEANING.search(query.text) or _TOPIC_ONLY.search(query.text))


def _asks(text: str) -> bool:
    """A question mark or a question word: "왜?", "언제야", "how much" (not "고마워")."""
    if "?" in text or "？" in text or _ENGLISH_QUESTION.search(text):
        return True
    return any(word in text for word in QUESTION_WORDS)


def follow_up(
    query: Query, turn: Turn | None, index: SearchIndex, *, explicit: bool = True
) -> FollowUp | None:
    """How to answer ``query`` as a follow-up of ``turn``; None: answer it alone."""
    if turn is None or not is_follow_up(query, explicit=explicit):
        return None
    earlier = index.query(turn.question)
    if not earlier.words:
        return None
    own = content_words(query)
    # Pointers (그건, 그때) only say "the earlier topic": they are not searched.
    new_words = [t for t in query.bag.get("word", ()) if t not in _POINTERS]
    new_bag = {**query.bag, "word": new_words}
    bag: dict[str, list[str]] = {}
    for name in set(new_bag) | set(earlier.bag):
        mine = list(new_bag.get(name, ()))
        bag[name] = mine * _NEW_REPEAT + [t for t in earlier.bag.get(name, ()) if t not in mine]
    words = frozenset(w for w in query.words if w not in _POINTERS)
    alternatives = dict(earlier.alternatives)
    for word, others in query.alternatives.items():
        alternatives[word] = alternatives.get(word, frozenset()) | others
    combined = Query(
        query.text,
        bag,
        words | earlier.words,
        alternatives,
        {**earlier.kinds, **query.kinds},
        scale={w: EARLIER_WEIGHT for w in earlier.words - words},
        written={**earlier.written, **query.written},
        rewritten=query.rewritten,
    )
    needs = tuple(_wholes(combined.forms(word)) for word in sorted(own))
    return FollowUp(turn.question, combined, own, _boosts(turn.passage_ids, index), needs)


def _boosts(passage_ids: tuple[str, ...], index: SearchIndex) -> dict[str, float]:
    boosts: dict[str, float] = {}
    for passage_id in passage_ids:
        passage = index.passage(passage_id)
        if passage is None:  # gone in a refresh meanwhile
            continue
        for neighbour in index.neighbours(passage):
            if neighbour is not None:
                boosts.setdefault(neighbour.id, NEIGHBOUR_BOOST)
    boosts.update(dict.fromkeys(passage_ids, ANSWERED_BOOST))
    return boosts
