"""The answer engine: a question in, an ``Answer`` out. Every front end calls this."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from ..errors import SearchUnavailable
from ..search import (
    DenseIndex,
    Embedder,
    EverydayTopics,
    Query,
    SearchHit,
    SearchIndex,
    SentenceVectors,
    Term,
    WordVectors,
    text_language,
)
from ..search.vectors import DenseResult, Vectors
from ..search.word_vectors import vector_words
from .answer import (
    RETRIEVAL_BM25,
    RETRIEVAL_HYBRID,
    Answer,
    AnswerStatus,
    Hit,
    PassageView,
    Suggestions,
)
from .answer_kinds import AnswerKind, expected_kind, holds_kind
from .excerpts import best_excerpt, best_sentence_share
from .followup import Turn, follow_up
from .fusion import fusion_weight
from .relevance import MIN_RELEVANCE, QuestionWeights, is_relevant, supports, unseen_version
from .suggestions import key_words

__all__ = ["MAX_QUESTION_CHARS", "AnswerService", "Semantic"]

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
# Articles a reply may list (a "not found" reply shows a few, /sources all of these).
SUGGESTED_ARTICLES = 1000
# How many engine results to look at per page shown: the engine ranks by BM25,
# the relevance check then drops passages that share only bigrams or one word.
_CANDIDATES_PER_HIT = 4
_MIN_CANDIDATES = 20
# A passage's share of the question counts its article title's words too: a passage
# often never names what it is about, its title does, and questions name it ("량원펑은
# 어디에서 태어났어?" of an article titled 량원펑 that says "그는 광둥성에서 태어났다").
# The re-ranking: what a passage's fused (or BM25) score gains from that share, from the
# share one of its sentences holds, and from the share its title holds, as (share,
# sentence, title) weights. BM25 alone: fit on tests/data/questions.json, checked on
# the held-out set; the title as much as the rest. TyDi's answer path, BM25, test half:
# top-1 0.544 → 0.608, recall@5 0.775 → 0.831.
_BM25_RERANK = (0.5, 0.5, 0.5)
# Fusion: each side's best passages are pooled, and a passage scores
# α·(cosine, min-max scaled over the dense list) + (1-α)·(BM25 / the best BM25), with
# α from BM25's margin (``fusion_weight``). Reciprocal-rank fusion cost KorQuAD 5 points.
# The fused score already rewards what coverage does for BM25 alone, so coverage weighs
# less (fit on TyDi's fit half; 0.3 for the title ranked TyDi as well, but lost a casual
# question to an article whose title has one of its words). TyDi's answer path,
# hybrid, test half: top-1 0.734 → 0.754, first excerpt holding the answer 0.695 →
# 0.716 (fit half 0.718 → 0.745).
_HYBRID_RERANK = (0.1, 0.1, 0.15)
_TITLE_SPLIT = re.compile(r"[\s\W]+")
_PARTICLES = frozenset(
    {"은", "는", "이", "가", "을", "를", "의", "와", "과", "도", "에", "에서", "로", "으로"}
)
# Pooling each side's best 20 instead of 100 weighs a fifth of the candidates
# (bench/startup.py --semantic) and ranks as well (TyDi's fit half: top-1 0.695 vs 0.681).
_FUSION_DEPTH = 100  # the dense list cosines are min-max scaled over
_POOLED = 20  # each side's best that become candidates
# Vectors are used once they cover this share of the passages (a refresh that adds a
# few articles keeps hybrid answers while the new passages are embedded).
_MIN_VECTOR_COVERAGE = 0.95
# A question is closer to every passage in its own language than to any in another, so
# in a corpus of two languages the median over all passages says little: a passage's gap
# is taken from the median over its own language's passages, where the sample the median
# is taken over holds at least this many of them. Only so many of the sample's passages
# are looked at for their language (an article lookup each, at most: a cluster's is a
# request).
_MIN_LANGUAGE_SAMPLE = 16
_LANGUAGE_SAMPLE = 512


# The closest sentence: a question asks what one sentence says, while a passage's vector
# stands for all of it. Each of the ten best candidates gains by how much closer to the
# question its closest sentence is than the least close one's, scaled as the fused score
# scales cosines and weighed 2.5 times as much as the passage's own (so less where
# BM25 decides, more for a paraphrase). Fit on TyDi's fit half: top-1 0.745 → 0.759
# (held-back half 0.754 → 0.765). A weight not following α lost a lexical question of
# tests/data/questions.json wherever it helped TyDi as much; counting the passage's own
# cosine again beside its sentences' lost two held-out ones. Re-ranking the first ten
# ranks as well as re-ranking all, and reads a tenth as many vectors.
_SENTENCE_WEIGHT = 2.5
_SENTENCE_RERANKED = 10

# A question asking when, or how many (``answer_kinds``), is answered by a passage with a
# date or a number in it: one without loses this much (about a fused score's spread over
# the first few candidates). TyDi's answer path, fit half: hybrid top-1 0.759 → 0.765,
# BM25 0.617 → 0.632; held-back half: hybrid 0.765 → 0.769, BM25 0.608 → 0.619 (0.4 to
# 0.7 ranked the fit half alike). Our question sets: hybrid unchanged, BM25 finds one more
# held-out answer among its first three.
_KIND_PENALTY = 0.5

# A question in another language than a passage ranks it by the passage's cosine alone;
# the passage also gains by how close each question word comes to one of its words
# (``WordVectors``: "announced" and 발표 0.886): this weight times the sum, over the
# question's words, of how far the closest stands above the floor (unrelated words
# reach about 0.87). Applied last, after the closest sentences re-ranked them. Fit on the
# English questions of tests/data about the Korean articles (first passage right 10 → 12
# of 15; floors 0.86-0.87 and weights 10-20 ranked them alike, 0.88 or 5 one fewer),
# checked on 20 more written for it, tests/data/english_about_korean.json (15 → 16).
_TRANSLATION_FLOOR = 0.87
# A Korean question's Latin word no passage has ("free" in "DeepSeek 모델 free로 돌릴 수
# 있어?") counts as found in a passage with a word it translates: one at least this close
# (free and 무료 0.905, download and 다운로드 0.927, employees and 근로자 0.907; unrelated
# words mostly reach 0.86-0.89, a few a little more: download and 실행 0.894), and within
# ``_LATIN_MARGIN`` of the closest any of the engine's and the vectors' best has. Where
# none has the translation, a near word may still count: the floor keeps that rare.
# Seen on one probe question (tests/data/probe_questions.json: first answer 0.956 →
# 0.978), checked on eight more mixed-script questions written for it (0.50 → 0.75,
# refusals 6 → 5 of 6: "테슬라 new model 언제 나와?", whose Korean twin "테슬라 새 모델"
# is answered too); every other set, TyDi's and the variants' figures unchanged.
_LATIN_MATCH = 0.89
_LATIN_MARGIN = 0.01
_TRANSLATION_WEIGHT = 10.0
_QUESTION_WORDS_KEPT = 4096  # question words' vectors kept (1.5 KB each)
# A question's first words that are embedded (a 500-character question of new words
# would otherwise cost a tenth of a second, every time it is reworded).
_QUESTION_WORDS_EMBEDDED = 16

# How much a follow-up's earlier words count when its excerpt is chosen: the quoted
# sentences should say what the follow-up asks ("중국은?": a sentence about China).
_EXCERPT_EARLIER_WEIGHT = 0.1


@dataclass(frozen=True, slots=True)
class _Candidate:
    hit: SearchHit
    terms: list[Term]
    weights: QuestionWeights
    share: float
    similarity: float | None  # cosine to the question; None without vectors
    rank: float
    relevant: bool = True  # passes the relevance decision itself (not only close to it)
    penalty: float = 0.0  # taken off ``rank``: no answer of the kind asked for
    sentences: tuple[float, ...] | None = None  # each sentence's cosine to the question
    foreign: bool = False  # in another language than the question


@dataclass(frozen=True, slots=True)
class Semantic:
    """The semantic side: the model, the vectors of (nearly) every passage, those of the
    sentences and words embedded so far, and of the everyday topics."""

    embedder: Embedder
    vectors: DenseIndex
    sentences: SentenceVectors | None = None
    words: WordVectors | None = None
    everyday: EverydayTopics | None = None
    # Language -> the rows of ``vectors.sample_ids`` in it (none: one language).
    languages: Mapping[str, npt.NDArray[np.intp]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _State:
    index: SearchIndex
    suggestions: Suggestions
    semantic: Semantic | None = None
    stand_in: bool = False  # an empty index served until the real one opens

    @property
    def mode(self) -> str:
        return RETRIEVAL_HYBRID if self.semantic else RETRIEVAL_BM25


class AnswerService:
    """Answers questions from one index, and swaps in a new index atomically.

    When the search engine can't be reached (an OpenSearch cluster that is down), a
    question gets an ``UNAVAILABLE`` answer and ``search_problem`` says why, until a
    search succeeds again or ``swap`` brings a new index. ``unavailable`` (the reason)
    says ``index`` only stands in for one that could not be opened (its engine fails
    every search) until ``swap``. ``on_search_failure`` is told each failure (the
    library then retries in the background).
    """

    def __init__(
        self,
        index: SearchIndex,
        *,
        top: int = 3,
        min_relevance: float = MIN_RELEVANCE,
        semantic: Semantic | None = None,
        unavailable: str | None = None,
    ) -> None:
        self.top = top
        self.min_relevance = min_relevance
        self._lock = threading.Lock()
        self._state = replace(self._prepare(index, semantic), stand_in=unavailable is not None)
        self._problem = unavailable
        self.on_search_failure: Callable[[str], None] | None = None
        self._question_words: dict[tuple[str, str], Vectors] = {}  # (model, word) -> vector

    @property
    def index(self) -> SearchIndex:
        return self._state.index

    @property
    def mode(self) -> str:
        """Which retrieval answers now: "hybrid" (BM25 fused with vectors) or "bm25"."""
        return self._state.mode

    @property
    def search_problem(self) -> str | None:
        """Why questions can't be searched now (the engine's error); None when they can."""
        return self._problem

    @property
    def standing_in(self) -> bool:
        """The index served only stands in for one that could not be opened yet."""
        return self._state.stand_in

    def search_recovered(self) -> None:
        """The engine answers again (a probe, or a search, succeeded)."""
        if self._problem is not None and not self._state.stand_in:
            self._problem = None
            log.info("the search engine answers again")

    def swap(self, index: SearchIndex) -> None:
        """Answer from ``index`` from now on; questions being answered finish on the old one.
        The vectors stay (passage ids are stable) until ``use_vectors`` brings new ones."""
        with self._lock:
            state = self._prepare(index, self._state.semantic)
            self._state = state
            self._problem = None

    def use_vectors(
        self,
        embedder: Embedder,
        vectors: DenseIndex,
        *,
        index: SearchIndex | None = None,
        sentences: SentenceVectors | None = None,
        words: WordVectors | None = None,
        everyday: EverydayTopics | None = None,
    ) -> bool:
        """Fuse BM25 with these vectors from now on, once they cover nearly every passage
        (while most are still being embedded, BM25 alone answers better). ``index``: the
        view they were made for; ignored (False) unless it is still the one served, so a
        job finishing after a newer view was swapped in never replaces its vectors.
        ``sentences``: where sentence vectors are read (re-ranking, excerpts); ``words``:
        where word vectors are (ranking passages in another language than the question);
        ``everyday``: the topics a question in another language than an article is weighed
        against (``relevance.is_relevant``)."""
        # Article lookups (requests, on a cluster): before the lock, which swaps wait for.
        languages = _sample_languages(index or self._state.index, vectors.sample_ids)
        with self._lock:
            state = self._state
            if index is not None and index is not state.index:
                return False
            covered = vectors.size >= _MIN_VECTOR_COVERAGE * state.index.size
            semantic = (
                Semantic(embedder, vectors, sentences, words, everyday, languages)
                if covered and vectors.size
                else None
            )
            self._state = replace(state, semantic=semantic)
            return True

    def ask(
        self,
        question: str,
        *,
        top: int | None = None,
        offset: int = 0,
        context: Turn | None = None,
        explicit: bool = True,
    ) -> Answer:
        """``context``: the earlier turn, if the question may follow it up (``followup.py``;
        ``explicit``: a reply to it rather than just the next message)."""
        state = self._state  # one index for the whole question, even if swapped meanwhile
        top = self.top if top is None else max(1, top)
        stripped = question.strip()
        if not stripped:
            return Answer(question, AnswerStatus.EMPTY, suggestions=state.suggestions)
        if len(stripped) > MAX_QUESTION_CHARS:
            return Answer(
                question[:MAX_QUESTION_CHARS],
                AnswerStatus.TOO_LONG,
                suggestions=state.suggestions,
                limit=MAX_QUESTION_CHARS,
            )
        try:
            answer = self._search(state, stripped, top, offset, context, explicit)
        except SearchUnavailable as error:
            self._search_failed(str(error))
            return Answer(stripped, AnswerStatus.UNAVAILABLE, mode=state.mode)
        if self._problem is not None:
            self.search_recovered()
        return answer

    def _search_failed(self, reason: str) -> None:
        if self._problem is None:
            log.error("search is unavailable: %s", reason)
        self._problem = reason
        if self.on_search_failure is not None:
            self.on_search_failure(reason)

    def _search(
        self,
        state: _State,
        stripped: str,
        top: int,
        offset: int,
        context: Turn | None,
        explicit: bool,
    ) -> Answer:
        index = state.index
        query = index.query(stripped)
        followup = follow_up(query, context, index, explicit=explicit)
        if followup:
            query = followup.query
        if not query.words:
            return Answer(query.text, AnswerStatus.NO_WORDS, suggestions=state.suggestions)
        wanted = offset + top
        k = max(_MIN_CANDIDATES, (wanted + 1) * _CANDIDATES_PER_HIT)
        # A follow-up ("중국은?") asks for what its earlier question asked for.
        own_kind = expected_kind(stripped)
        kind = own_kind or (expected_kind(followup.earlier) if followup else None)
        # Only the question's own kind can be required: "왜?" after a price question is
        # not about one ("What kind of answer", README).
        ranked = self._rank(state, query, k, kind, required=own_kind is not None)
        if followup:
            ranked = [
                # The boost multiplies what the passage earned; a penalty stays as it was.
                replace(
                    c,
                    rank=(c.rank + c.penalty) * followup.boost(c.hit.passage.id) - c.penalty,
                )
                for c in ranked
                if followup.keeps({t.text for t in c.terms})
            ]
            ranked.sort(key=lambda c: -c.rank)
            # Only a passage that passes the relevance decision (not one merely close to
            # the question) makes it answered; without one, maybe it is answered alone.
            if not any(c.relevant for c in ranked):
                return self._search(state, stripped, top, offset, None, True)
        mode = state.mode
        followup_of = followup.earlier if followup else None
        if not ranked:
            return Answer(
                query.text, AnswerStatus.NOT_FOUND, suggestions=state.suggestions, mode=mode
            )
        page = ranked[offset:wanted]
        if not page:
            return Answer(
                query.text,
                AnswerStatus.NOT_FOUND,
                offset=offset,
                mode=mode,
                followup_of=followup_of,
            )

        # A follow-up's own words choose the sentences; the earlier ones break ties.
        own_weights = (
            QuestionWeights(
                replace(query, scale={w: _EXCERPT_EARLIER_WEIGHT for w in query.scale}),
                state.index.document_frequency,
                state.index.size,
            )
            if followup
            else None
        )
        semantic = state.semantic
        if semantic and semantic.sentences and any(c.sentences is None for c in page):
            question = semantic.embedder.embed_query(query.for_model)  # the recent one, cached
            page = _with_sentences(semantic.sentences, question, page)
        hits = tuple(
            Hit(
                c.hit.article,
                c.hit.passage,
                best_excerpt(c.hit.passage, c.terms, own_weights or c.weights, c.sentences),
                c.hit.score,
                c.share,
                c.similarity,
            )
            for c in page
        )
        return Answer(
            query.text,
            AnswerStatus.ANSWERED,
            hits=hits,
            offset=offset,
            has_more=len(ranked) > wanted,
            suggestions=state.suggestions,
            mode=mode,
            followup_of=followup_of,
        )

    def _rank(
        self,
        state: _State,
        query: Query,
        k: int,
        kind: AnswerKind | None = None,
        *,
        required: bool = True,
    ) -> list[_Candidate]:
        """The candidates that really answer, re-ranked by how well they answer. A
        passage without an answer of ``kind`` ranks lower; one without an age or a price
        asked for (``AnswerKind.required``) can't answer, when ``required`` (the question
        asks it itself, not a follow-up's earlier one).

        BM25 ranks passages by term statistics; the final order also rewards the
        share of the question a passage (its title included) covers and how much of it
        one sentence says (measured on tests/data: top-1 0.92 → 0.98 on our questions,
        0.80 → 0.88 on the held-out ones), and the share its title holds. With vectors,
        the engine's and the vectors' best passages are pooled and their scores fused
        linearly (see ``fusion_weight``); a question one passage answers may then be
        answered by others the model finds close to it.
        """
        index = state.index
        lexical = index.search(query, max(k, _POOLED) if state.semantic else k)
        scores = {h.passage.id: h.score for h in lexical}
        best_score = lexical[0].score if lexical and lexical[0].score > 0 else 1.0
        alpha = fusion_weight([h.score for h in lexical[:2]])
        hits = {h.passage.id: h for h in lexical}
        dense: dict[str, float] = {}
        low = high = 0.0
        question: Vectors | None = None
        baselines: _Baselines | None = None
        pooled: set[str] = set()  # each side's best, with vectors
        if state.semantic:
            vectors = state.semantic.vectors
            question = state.semantic.embedder.embed_query(query.for_model)
            found = vectors.search(question, _FUSION_DEPTH)
            baselines = _Baselines(state.semantic, found, question)
            dense = {s.id: s.similarity for s in found.hits[:_POOLED]}
            pooled = {h.passage.id for h in lexical[:_POOLED]} | dense.keys()
            if found.hits:  # scaled over the whole list, pooled from its head
                high, low = found.hits[0].similarity, found.hits[-1].similarity
            missing = [(pid, 0.0) for pid in dense if pid not in hits]
            hits.update((h.passage.id, h) for h in index.hits(missing))
            # Lexical hits beyond the dense list still have a similarity.
            dense.update(vectors.similarities(question, hits.keys() - dense.keys()))
        if not hits:
            return []
        weights = QuestionWeights(query, index.document_frequency, index.size)
        new_version = unseen_version(weights)
        language = text_language(query.text)
        must_hold = required and kind is not None and kind.required
        # Over each side's best alone: the same for every page (a later one pools more
        # lexical hits) and a bounded number of word vectors read.
        translated = self._latin_words_met(
            state.semantic, query, weights, language, {pid: hits[pid] for pid in pooled}
        )
        candidates = []
        answered = False  # some passage passes the relevance decision itself
        for pid, hit in hits.items():
            terms = list(hit.terms)
            titled = _title_words(hit, query)
            # The title is part of what a passage says (its words count in the share).
            share = weights.share({t.text for t in terms} | titled | translated.get(pid, set()))
            similarity = dense.get(pid)
            same_language = not language or hit.article.language in ("", language)
            gap = above_everyday = None
            if similarity is not None and baselines is not None:
                passage_language = hit.article.language or language
                gap = similarity - baselines.median(passage_language)
                above_everyday = baselines.above_everyday(similarity, passage_language)
            relevant = True
            lacks_kind = kind is not None and not holds_kind(hit.passage.text, terms, kind)
            if lacks_kind and must_hold:
                # It can't answer; with vectors, it may still be quoted beside one that does.
                if not (state.semantic and supports(gap, same_language=same_language)):
                    continue
                relevant = False
            elif not state.semantic:
                if share < self.min_relevance:
                    continue
            elif is_relevant(
                share,
                gap,
                same_language=same_language,
                above=above_everyday,
                unseen_version=new_version,
            ):
                answered = True
            elif supports(gap, same_language=same_language):
                relevant = False
            else:
                continue
            lexical_score = scores.get(pid, 0.0) / best_score
            semantic_score = (
                (similarity - low) / (high - low) if similarity is not None and high > low else 0.0
            )
            if not same_language:  # BM25 can't match across languages: vectors alone
                rank = semantic_score
            else:
                sentence = best_sentence_share(hit.passage, terms, weights)
                base = (
                    alpha * semantic_score + (1 - alpha) * lexical_score
                    if state.semantic
                    else lexical_score
                )
                share_weight, sentence_weight, title_weight = (
                    _HYBRID_RERANK if state.semantic else _BM25_RERANK
                )
                title = weights.share(titled)
                rank = base + share_weight * share + sentence_weight * sentence
                rank += title_weight * title
            penalty = _KIND_PENALTY if lacks_kind else 0.0
            hit = replace(hit, score=scores.get(pid, 0.0))
            candidates.append(
                _Candidate(
                    hit,
                    terms,
                    weights,
                    share,
                    similarity,
                    rank - penalty,
                    relevant,
                    penalty,
                    foreign=not same_language,
                )
            )
        if state.semantic and not answered:
            return []  # only passages that merely resemble the question: not found
        # A passage kept for its closeness alone is kept beside one in its language (the
        # question's, or another) that answers: a question is closer to every passage in
        # its own language, so beside an answer in another language, passages in its own
        # would be quoted first for that closeness alone.
        answering = {c.foreign for c in candidates if c.relevant}
        candidates = [c for c in candidates if c.relevant or c.foreign in answering]
        candidates.sort(key=lambda c: -c.rank)
        if state.semantic and state.semantic.sentences and high > low:
            candidates = _by_closest_sentence(
                state.semantic.sentences, question, candidates, alpha, high - low
            )
        if state.semantic and state.semantic.words and any(c.foreign for c in candidates):
            candidates = self._translated(state.semantic, query, candidates)
            candidates.sort(key=lambda c: -c.rank)
        return candidates

    def _translated(
        self, semantic: Semantic, query: Query, candidates: list[_Candidate]
    ) -> list[_Candidate]:
        """The first ``_SENTENCE_RERANKED`` candidates in another language than the
        question, reordered by how close its words come to theirs
        (``_TRANSLATION_WEIGHT``); the others stay as they were. Only the first: the
        next page, which looks at more candidates, must not reorder the first page's."""
        assert semantic.words is not None
        head = [c for c in candidates[:_SENTENCE_RERANKED] if c.foreign]
        if len(head) < 2:
            return candidates
        # Each word as written, in the question's order, and as much as it counts (a
        # follow-up's earlier ones less).
        chosen: dict[str, float] = {}
        for word in _in_question_order(query):
            written = vector_words([query.written.get(word, word)])
            if written and len(chosen) < _QUESTION_WORDS_EMBEDDED:
                chosen.setdefault(written[0], query.scale.get(word, 1.0))
        if not chosen:
            return candidates
        question = self._words_embedded(semantic.embedder, list(chosen))
        weights = np.array(list(chosen.values()), dtype=np.float32)
        # Only its words in its own language: Latin names in a Korean passage (DeepSeek)
        # are as close to the question's as they are in every candidate about them, and
        # an English phrase quoted in one (a translated article's title) is not a sign.
        closeness = semantic.words.closeness(
            question,
            {c.hit.passage.id: _words_in(c.hit, c.hit.article.language) for c in head},
        )
        if len(closeness) < len(head):
            return candidates  # some words still being embedded: the order as it was
        gains = {
            pid: float(weights @ np.clip(found - _TRANSLATION_FLOOR, 0.0, None))
            for pid, found in closeness.items()
        }
        # They are re-ordered among themselves, in the ranks they had: a passage in the
        # question's own language, which BM25 could weigh, keeps its place among them
        # (bench/english.py: a Korean passage saying the same had overtaken an English
        # answer to an English question).
        places = sorted((c.rank for c in head), reverse=True)
        head.sort(key=lambda c: -(c.rank + _TRANSLATION_WEIGHT * gains[c.hit.passage.id]))
        placed = {id(c): rank for c, rank in zip(head, places, strict=True)}
        return [replace(c, rank=placed[id(c)]) if id(c) in placed else c for c in candidates]

    def _latin_words_met(
        self,
        semantic: Semantic | None,
        query: Query,
        weights: QuestionWeights,
        language: str,
        hits: Mapping[str, SearchHit],
    ) -> dict[str, set[str]]:
        """For each of ``hits`` in a Korean question's language, the question's Latin
        words no passage has ("free", "download" in "DeepSeek 모델 free로 받을 수 있어?")
        that one of its own words translates: at least ``_LATIN_MATCH`` close (free and
        무료 0.905) and within ``_LATIN_MARGIN`` of the closest any of them has. None while
        some of their words are still being embedded (the closest might be among them)."""
        if semantic is None or semantic.words is None or language != "ko" or not hits:
            return {}
        frequency = weights.frequency
        # Each embedded as written (security, not its stem secur), counted as the word.
        written = {
            query.written.get(w, w).lower(): w
            for w in _in_question_order(query)
            if frequency.get(w) == 0 and w.isascii() and w.isalpha()
        }
        kept = vector_words(written)[:_QUESTION_WORDS_EMBEDDED]
        if not kept:
            return {}
        unseen = [written[w] for w in kept]
        question = self._words_embedded(semantic.embedder, kept)
        requested = {
            pid: _words_in(hit, language)
            for pid, hit in hits.items()
            if hit.article.language in ("", language)
        }
        closeness = semantic.words.closeness(question, requested)
        if not closeness or len(closeness) < len(requested):
            return {}
        # A word's translation is the closest word any of them has: one merely near it is
        # another word (download: 다운로드 0.927, 실행 0.894).
        best = np.max(np.stack(list(closeness.values())), axis=0)
        floor = np.maximum(best - _LATIN_MARGIN, _LATIN_MATCH)
        return {
            pid: {word for word, met in zip(unseen, found >= floor, strict=True) if met}
            for pid, found in closeness.items()
        }

    def _words_embedded(self, embedder: Embedder, words: list[str]) -> Vectors:
        """The vectors of a question's words (``Embedder.embed_words``); the recent ones
        kept (questions repeat their words)."""
        kept, version = self._question_words, embedder.version
        # Read into ``found`` first: another question may clear ``kept`` meanwhile.
        found = {w: v for w in words if (v := kept.get((version, w))) is not None}
        missing = [w for w in words if w not in found]
        if missing:
            found.update(zip(missing, embedder.embed_words(missing), strict=True))
            if len(kept) > _QUESTION_WORDS_KEPT:
                kept.clear()
            kept.update(((version, w), found[w]) for w in missing)
        return np.stack([found[w] for w in words])

    def open_passage(self, passage_id: str) -> PassageView | None:
        index = self._state.index
        passage = index.passage(passage_id)
        if passage is None:
            return None
        before, after = index.neighbours(passage)
        return PassageView(
            article=index.article(passage.article_id) or index.articles[passage.article_id],
            passage=passage,
            previous_id=before.id if before else None,
            next_id=after.id if after else None,
            position=passage.ordinal + 1,
            count=len(index.article_passages(passage.article_id)),
        )

    def query(self, question: str) -> Query:
        return self._state.index.query(question)

    @property
    def suggestions(self) -> Suggestions:
        return self._state.suggestions

    @staticmethod
    def _prepare(index: SearchIndex, semantic: Semantic | None = None) -> _State:
        # Bounded whatever the corpus size (read from the store, not all loaded).
        articles = index.first_articles(SUGGESTED_ARTICLES)
        return _State(index, Suggestions(articles, key_words(index)), semantic)


def _sample_languages(
    index: SearchIndex, sample_ids: Sequence[str]
) -> dict[str, npt.NDArray[np.intp]]:
    """Rows of the median's sample (at most ``_LANGUAGE_SAMPLE`` of them, evenly spaced)
    in each language the corpus has enough passages in (``_MIN_LANGUAGE_SAMPLE``); none
    for a corpus in one language, or when the articles can't be read (a cluster out of
    reach: the median over all passages serves until the next vectors)."""
    step = max(1, -(-len(sample_ids) // _LANGUAGE_SAMPLE))  # ceiling: at most that many
    looked_at = range(0, len(sample_ids), step)
    try:
        languages = index.passage_languages([sample_ids[row] for row in looked_at])
    except SearchUnavailable as error:
        log.warning("the articles' languages could not be read: %s", error)
        return {}
    rows: dict[str, list[int]] = {}
    for row, language in zip(looked_at, languages, strict=True):
        if language:  # not known (an article not found): in no language's median
            rows.setdefault(language, []).append(row)
    if len(rows) < 2:
        return {}
    return {
        language: np.array(found, dtype=np.intp)
        for language, found in rows.items()
        if len(found) >= _MIN_LANGUAGE_SAMPLE
    }


@dataclass(slots=True)
class _Baselines:
    """What a passage's cosine to one question is weighed against in its language, each
    taken once per question and language: the median over that language's passages (its
    gap stands above it) and the closest everyday topic in it."""

    semantic: Semantic
    found: DenseResult
    question: Vectors
    _medians: dict[str, float] = field(default_factory=dict)
    _topics: dict[str, float | None] = field(default_factory=dict)

    def median(self, language: str) -> float:
        """The question's median cosine to the passages in ``language``, or to all where
        that language has too few (or the corpus is in one language)."""
        rows = self.semantic.languages.get(language)
        if rows is None or len(self.found.sample) <= rows[-1]:
            return self.found.typical
        if language not in self._medians:
            self._medians[language] = float(np.median(self.found.sample[rows]))
        return self._medians[language]

    def above_everyday(self, similarity: float, language: str) -> float | None:
        """How much closer to the question a passage in ``language`` is than the closest
        everyday topic in it; None without their vectors."""
        if self.semantic.everyday is None:
            return None
        if language not in self._topics:
            self._topics[language] = self.semantic.everyday.closest(self.question, language)
        topic = self._topics[language]
        return None if topic is None else similarity - topic


def _with_sentences(
    sentences: SentenceVectors, question: Vectors, candidates: Sequence[_Candidate]
) -> list[_Candidate]:
    """``candidates`` with their sentences' cosines to the question, where every sentence
    of theirs has a vector (the others as they were)."""
    wanted = [(c.hit.article.title, c.hit.passage) for c in candidates if c.sentences is None]
    found = sentences.similarities(question, wanted) if wanted else {}
    return [
        replace(c, sentences=found[c.hit.passage.id]) if c.hit.passage.id in found else c
        for c in candidates
    ]


def _by_closest_sentence(
    sentences: SentenceVectors,
    question: Vectors | None,
    candidates: list[_Candidate],
    alpha: float,
    spread: float,
) -> list[_Candidate]:
    """The first ``_SENTENCE_RERANKED`` candidates re-ranked by how close their closest
    sentence is to the question; the rest stay behind them. ``alpha``: the semantic
    side's weight in the fused score; ``spread``: the dense list's range of cosines,
    which the fused score scales them over. (Weighing a candidate in another language
    than the question fully, as its rank is its cosine alone, let a Korean passage
    overtake an English answer in bench/english.py.)"""
    if question is None:
        return candidates
    head = _with_sentences(sentences, question, candidates[:_SENTENCE_RERANKED])
    if len(head) < 2 or any(not c.sentences for c in head):
        # While sentences are still being embedded, those that have them would gain
        # over those that don't: the order stays the fused one until all have them.
        return head + candidates[_SENTENCE_RERANKED:]
    # Its own vector counts already (the fused score): only its sentences' here.
    closest = [max(c.sentences or ()) for c in head]
    floor = min(closest)
    head = [
        # At most a whole spread of the dense list (a narrow one would magnify it).
        replace(c, rank=c.rank + _SENTENCE_WEIGHT * alpha * min(gain, 1.0))
        for c, gain in zip(head, ((s - floor) / spread for s in closest), strict=True)
    ]
    head.sort(key=lambda c: -c.rank)
    return head + candidates[_SENTENCE_RERANKED:]


def _in_question_order(query: Query) -> list[str]:
    """The question's words as it has them, its own first (a follow-up's earlier ones
    after)."""
    return [*query.written, *sorted(query.words - query.written.keys())]


def _words_in(hit: SearchHit, language: str) -> list[str]:
    """A passage's words (its title's too) in ``language``: Latin names in a Korean
    passage (DeepSeek) are as close to a question's as in every passage about them."""
    return [
        word
        for word in [*(t.text for t in hit.terms), *sorted(hit.title_words)]
        if text_language(word) == language
    ]


def _title_words(hit: SearchHit, query: Query) -> frozenset[str]:
    """The question words its article's title holds: the title's own word terms, and
    question words that are a word of the title as written, or one with a particle
    (Kiwi, given a bare name, may split it: "량원펑" → 량, 원, 펑, while "량원펑은" in a
    question is one word). Only whole words: "누리" is not in "누리시 풍력"."""
    written = _TITLE_SPLIT.split(hit.article.title.lower())
    found = {
        word
        for word in query.words
        if len(word) >= 2
        and any(w == word or (w.startswith(word) and w[len(word) :] in _PARTICLES) for w in written)
    }
    return hit.title_words | found
