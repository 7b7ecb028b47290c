"""The chat history in the OpenSearch cluster, shared by every bot replica using it.

With SEARCH_ENGINE=opensearch the questions, 👍/👎 votes and follow-up context live in
the index ``<OPENSEARCH_INDEX>.chat`` (a dot, as for the lock's index: the alias's
generations ``<alias>-*`` never include it). A button pressed on an answer given by one
replica is checked by another, a reply to it is followed up there, and /stats counts
every replica's questions. The records and their rules are ``History``'s (SQLite):

- **A question** is a document whose id is its ``ChatRef`` id: a random number below
  10^15 (what a button can carry), written create-only (``op_type=create``; on the rare
  clash another is drawn), so replicas share no counter. Buttons (the ownership check,
  votes, paging) read it by id: a get is real-time, so another replica finds it at once.
- **A vote** is the document ``v:<question>:<user>``: one per person and question, a
  second press replaces it. It carries its question's ``asked_at``, so retention deletes
  a question and its votes in one query.
- **Follow-ups** find a question by chat and reply message (``replied_question``) or by
  chat and time (``last_question``): searches. ``note_reply`` is written with
  ``refresh=wait_for``: when it returns, the question and its reply message are
  searchable on every replica (the index also refreshes every second).
- **Retention** (HISTORY_RETENTION_DAYS): one ``delete_by_query`` on ``asked_at`` at open
  and then at most hourly per replica, after the next question (in a background thread,
  off the reply's path); the segments holding the deleted documents are then merged
  away (``only_expunge_deletes``), the cluster's counterpart of SQLite's
  ``secure_delete``.
- **The mapping is explicit and strict** (a field it does not name is refused) and
  versioned in its ``_meta``; an index written by a newer bot is refused
  (``HistoryTooNew`` at start; found only later, every call fails as unavailable),
  never changed.

Nothing is needed at start: the index is made by the first call that reaches the
cluster. While the cluster is unreachable every call raises ``SearchUnavailable``
naming OPENSEARCH_URL, and the handlers degrade (``handlers.py``).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import HistoryTooNew, SearchUnavailable
from ..search.opensearch_engine import OpenSearchConfig, call, make_client
from .history import DAY_SECONDS, PRUNE_EVERY_SECONDS, FrequentQuestion, Question, Stats
from .refs import MAX_ID, ChatRef, new_token

__all__ = ["LAYOUT_VERSION", "ClusterHistory", "chat_index_body"]

log = logging.getLogger(__name__)

LAYOUT_VERSION = 1  # in the mapping's _meta; a newer index is refused
_QUESTION = "question"
_VOTE = "vote"
_ANSWERED = "answered"
_UNAVAILABLE = "unavailable"  # asked while search was down: not counted as unanswered
_ID_TRIES = 5  # random ids drawn before giving up (a clash is ~1 in 10^9 per question)
_MIGRATE_BATCH = 500
# Connections kept open to the cluster: handlers call the history from worker threads
# (asyncio.to_thread), several at once.
_CONNECTIONS = 16
_TEXT = {"type": "keyword", "ignore_above": 8000}  # questions are at most 500 characters
_STORED = {"type": "keyword", "index": False, "doc_values": False}  # read, never searched
_PROPERTIES: dict[str, dict[str, Any]] = {
    "kind": {"type": "keyword"},  # question or vote
    "asked_at": {"type": "double"},  # a vote's is its question's: retention deletes both
    # questions
    "id": {"type": "long"},
    "chat_id": {"type": "long"},
    "user_id": {"type": "long"},
    "text": _TEXT,
    "key": _TEXT,  # the text trimmed and lower-cased: /stats groups by it
    "status": {"type": "keyword"},
    "token": _STORED,
    "message_id": {"type": "long"},
    "passages": _STORED,
    "followup_of": _STORED,
    "parent_id": {"type": "long", "index": False},
    # votes
    "question_id": {"type": "long"},
    "up": {"type": "boolean"},
    "at": {"type": "double", "index": False},
}


def chat_index_body(config: OpenSearchConfig) -> dict[str, Any]:
    """Settings and mapping of the chat index: every field declared, nothing dynamic."""
    return {
        "settings": {
            "index": {
                "number_of_shards": 1,  # small documents, looked up by id
                "number_of_replicas": config.replicas,
                "refresh_interval": "1s",  # searches (follow-ups) see a write within 1 s
            }
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {"chat_layout": LAYOUT_VERSION},
            "properties": _PROPERTIES,
        },
    }


class ClusterHistory:
    """The ``ChatHistory`` of replicas sharing one OpenSearch cluster.

    ``retention_days`` > 0 deletes questions (and their votes) older than that many days;
    ``clock`` is the time source (seconds since the epoch), for the tests.
    """

    def __init__(
        self,
        config: OpenSearchConfig,
        *,
        retention_days: int = 0,
        clock: Callable[[], float] = time.time,
        client: Any = None,
    ) -> None:
        self.config = config
        self.index = f"{config.index}.chat"
        owned = client is None
        self.client = (
            client if client is not None else make_client(config, connections=_CONNECTIONS)
        )
        self._retention_seconds = retention_days * DAY_SECONDS
        self.clock = clock
        self._pruned_at = float("-inf")
        self._prune_lock = threading.Lock()
        self._pruning: threading.Thread | None = None
        self._ready = False
        self._ready_lock = threading.Lock()
        # Why the index is refused when found newer only after start (the cluster was
        # unreachable then): every call fails as if it were unavailable, so the answers
        # still go out without buttons; said once.
        self._refused: str | None = None
        self._opening = True
        try:
            self.prune()  # also makes the index, or refuses a newer one (HistoryTooNew)
        except SearchUnavailable as error:
            log.warning(
                "the chat history in the cluster can't be opened yet (%s): buttons and "
                "follow-ups wait for it; answers go out meanwhile",
                error,
            )
        except BaseException:
            if owned:
                self.client.close()
            raise
        finally:
            self._opening = False

    # -- the index ----------------------------------------------------------------------

    def _ensure(self) -> None:
        """Make the index, or check the one there is ours and not newer; once."""
        if self._ready:
            return
        with self._ready_lock:
            if self._ready:
                return
            if self._refused is not None:
                raise SearchUnavailable(self._refused)
            # 400: it exists already (made by another replica, maybe just now).
            self._call(
                self.client.indices.create,
                index=self.index,
                body=chat_index_body(self.config),
                ignore=[400],
            )
            found = self._call(self.client.indices.get_mapping, index=self.index)
            meta = found.get(self.index, {}).get("mappings", {}).get("_meta") or {}
            layout = meta.get("chat_layout")
            if not isinstance(layout, int):
                raise SearchUnavailable(
                    f"the index {self.index} at OPENSEARCH_URL={self.config.shown_url} was not "
                    "made by this bot for its chat history: delete it, or set OPENSEARCH_INDEX "
                    "to another name"
                )
            if layout > LAYOUT_VERSION:
                reason = (
                    f"the chat history {self.index} at OPENSEARCH_URL={self.config.shown_url} "
                    f"was written by a newer version of the bot (layout {layout}, this version "
                    f"knows {LAYOUT_VERSION}): upgrade the bot; the index was left as it is"
                )
                if self._opening:
                    raise HistoryTooNew(reason)  # at start: the bot does not start
                log.error("%s; answers go out without buttons or follow-ups", reason)
                self._refused = reason
                raise SearchUnavailable(reason)
            self._ready = True

    def _call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        return call(self.config, method, **kwargs)

    # -- questions ----------------------------------------------------------------------

    def record_question(
        self,
        *,
        chat_id: int,
        user_id: int | None,
        text: str,
        status: str,
        passages: Sequence[str] = (),
        followup_of: str | None = None,
        parent_id: int | None = None,
    ) -> ChatRef:
        """Stores a question and how it was answered; returns the reference for its buttons."""
        from opensearchpy.exceptions import ConflictError

        self._ensure()
        token = new_token()
        now = self.clock()
        source = {
            "kind": _QUESTION,
            "chat_id": chat_id,
            "user_id": user_id,
            "text": text,
            "key": _key(text),
            "status": status,
            "asked_at": now,
            "token": token,
            "message_id": None,
            "passages": " ".join(passages),
            "followup_of": followup_of,
            "parent_id": parent_id,
        }
        for _ in range(_ID_TRIES):
            question_id = secrets.randbelow(MAX_ID) + 1
            try:
                call(
                    self.config,
                    self.client.index,
                    keep_conflicts=True,
                    index=self.index,
                    id=str(question_id),
                    op_type="create",
                    body={**source, "id": question_id},
                )
            except ConflictError:
                continue  # that id is taken: draw another
            break
        else:
            raise SearchUnavailable(
                f"OpenSearch at OPENSEARCH_URL={self.config.shown_url}: no free question id "
                f"after {_ID_TRIES} tries in {self.index}"
            )
        if now - self._pruned_at >= PRUNE_EVERY_SECONDS:
            self._prune_in_background(now)
        return ChatRef(question_id, token)

    def note_reply(self, ref: ChatRef, message_id: int) -> None:
        """The bot's reply to a question was sent as ``message_id`` (replies to it follow up).

        ``wait_for``: searchable on every replica when this returns."""
        self._ensure()
        self._call(
            self.client.update,
            index=self.index,
            id=str(ref.id),
            body={"doc": {"message_id": message_id}},
            refresh="wait_for",
            ignore=[404],  # deleted meanwhile (retention): nothing to follow up
        )

    def replied_question(self, chat_id: int, message_id: int, *, max_age: float) -> Question | None:
        """The question the bot's message ``message_id`` in ``chat_id`` answered, if it was
        asked within ``max_age`` seconds."""
        return self._latest(
            {"term": {"chat_id": chat_id}},
            {"term": {"message_id": message_id}},
            {"range": {"asked_at": {"gte": self.clock() - max_age}}},
        )

    def last_question(self, chat_id: int, *, max_age: float) -> Question | None:
        """The chat's last question, if it was asked within ``max_age`` seconds."""
        return self._latest(
            {"term": {"chat_id": chat_id}},
            {"range": {"asked_at": {"gte": self.clock() - max_age}}},
        )

    def _latest(self, *filters: dict[str, Any]) -> Question | None:
        self._ensure()
        body = {
            "size": 1,
            "query": {"bool": {"filter": [{"term": {"kind": _QUESTION}}, *filters]}},
            "sort": [{"asked_at": "desc"}, {"id": "desc"}],
        }
        hits = self._call(self.client.search, index=self.index, body=body)["hits"]["hits"]
        return _question(hits[0].get("_source")) if hits else None

    def question(self, question_id: int) -> Question | None:
        """A stored question by id (the earlier question of a follow-up being paged)."""
        self._ensure()
        found = self._call(self.client.get, index=self.index, id=str(question_id), ignore=[404])
        source = found.get("_source") if found.get("found") else None
        return _question(source) if source and source.get("kind") == _QUESTION else None

    def find_question(self, ref: ChatRef, *, chat_id: int | None) -> Question | None:
        """The question a button pressed in ``chat_id`` refers to; None when it may not."""
        question = self.question(ref.id)
        return question if ref.is_valid_for(question, chat_id=chat_id) else None

    def record_feedback(self, ref: ChatRef, *, chat_id: int | None, user_id: int, up: bool) -> bool:
        """Stores (or changes) one person's vote; False when the button may not vote."""
        question = self.find_question(ref, chat_id=chat_id)
        if question is None:
            return False
        self._call(
            self.client.index,
            index=self.index,
            id=f"v:{ref.id}:{user_id}",
            body={
                "kind": _VOTE,
                "question_id": ref.id,
                "user_id": user_id,
                "up": up,
                "at": self.clock(),
                "asked_at": question.asked_at,
            },
        )
        return True

    def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: its questions now belong to the new chat id.

        A search and a bulk update per batch, until no question of the old chat is left
        (``wait_for``: the next search no longer finds the batch just moved)."""
        self._ensure()
        query = {
            "bool": {"filter": [{"term": {"kind": _QUESTION}}, {"term": {"chat_id": old_chat_id}}]}
        }
        moved: set[str] = set()
        while True:
            body = {"size": _MIGRATE_BATCH, "_source": False, "query": query}
            hits = self._call(self.client.search, index=self.index, body=body)["hits"]["hits"]
            if not hits:
                return
            if moved.intersection(hit["_id"] for hit in hits):  # never loop on a no-op
                raise SearchUnavailable(
                    f"OpenSearch at OPENSEARCH_URL={self.config.shown_url} did not move "
                    f"chat {old_chat_id}'s questions to {new_chat_id}"
                )
            moved.update(hit["_id"] for hit in hits)
            actions: list[dict[str, Any]] = []
            for hit in hits:
                actions.append({"update": {"_index": self.index, "_id": hit["_id"]}})
                actions.append({"doc": {"chat_id": new_chat_id}})
            response = self._call(self.client.bulk, body=actions, refresh="wait_for")
            if response.get("errors"):
                raise SearchUnavailable(
                    f"OpenSearch at OPENSEARCH_URL={self.config.shown_url} refused to move "
                    f"chat {old_chat_id}'s questions to {new_chat_id}"
                )

    # -- retention ----------------------------------------------------------------------

    def _prune_in_background(self, now: float) -> None:
        """The hourly pruning, off the question's path (a count, a delete_by_query and a
        merge: the reply should not wait for them); claimed under a lock, so questions
        recorded at once in several threads start one."""
        with self._prune_lock:
            if now - self._pruned_at < PRUNE_EVERY_SECONDS:
                return
            self._pruned_at = now
            self._pruning = threading.Thread(
                target=self._prune_logged, name="chat-prune", daemon=True
            )
            self._pruning.start()

    def _prune_logged(self) -> None:
        try:
            self.prune()
        except SearchUnavailable as error:  # the question is stored: that is what counts
            log.warning("chat history: could not delete the expired questions: %s", error)
        except Exception:
            log.exception("chat history: deleting the expired questions failed")

    def wait_for_pruning(self, timeout: float | None = None) -> None:
        """Until a pruning started by a question is done (tests, ``close``)."""
        with self._prune_lock:
            pruning = self._pruning
        if pruning is not None:
            pruning.join(timeout)

    def prune(self) -> int:
        """Deletes the questions older than the retention period, and their votes;
        returns how many questions were deleted (always 0 when everything is kept)."""
        self._ensure()
        now = self.clock()
        with self._prune_lock:
            self._pruned_at = max(self._pruned_at, now)
        if self._retention_seconds <= 0:
            return 0
        cutoff = now - self._retention_seconds
        old = {"range": {"asked_at": {"lt": cutoff}}}
        questions = self._count({"bool": {"filter": [{"term": {"kind": _QUESTION}}, old]}})
        response = self._call(
            self.client.delete_by_query,
            index=self.index,
            body={"query": old},
            refresh=True,
            conflicts="proceed",  # a vote changed meanwhile is deleted all the same next time
        )
        if int(response.get("deleted", 0)):
            # Deleted documents stay in their segments until merged: merge them away now.
            try:
                self._call(
                    self.client.indices.forcemerge, index=self.index, only_expunge_deletes=True
                )
            except SearchUnavailable as error:
                log.warning("chat history: could not merge away the deleted questions: %s", error)
        if questions:
            log.info("chat history: deleted %d questions older than the retention", questions)
        return questions

    # -- /stats -------------------------------------------------------------------------

    def stats(self, *, top: int = 5) -> Stats:
        self._ensure()
        questions = {"term": {"kind": _QUESTION}}
        votes = {"term": {"kind": _VOTE}}
        body = {
            "size": 0,
            "track_total_hits": True,
            "query": {"match_all": {}},
            "aggs": {
                "asked": {"filter": questions},
                "answered": {"filter": {"bool": {"filter": [questions, _status(_ANSWERED)]}}},
                "unavailable": {"filter": {"bool": {"filter": [questions, _status(_UNAVAILABLE)]}}},
                "up": {"filter": {"bool": {"filter": [votes, {"term": {"up": True}}]}}},
                "down": {"filter": {"bool": {"filter": [votes, {"term": {"up": False}}]}}},
                "unanswered": {
                    "filter": {
                        "bool": {
                            "filter": [questions],
                            "must_not": [{"terms": {"status": [_ANSWERED, _UNAVAILABLE]}}],
                        }
                    },
                    "aggs": {
                        "texts": {
                            "terms": {
                                "field": "key",
                                "size": max(1, top),
                                "order": [{"_count": "desc"}, {"latest": "desc"}],
                            },
                            "aggs": {
                                "latest": {"max": {"field": "asked_at"}},
                                "shown": {  # MIN(text), as the SQLite history shows it
                                    "top_hits": {
                                        "size": 1,
                                        "sort": [{"text": "asc"}],
                                        "_source": ["text"],
                                    }
                                },
                            },
                        }
                    },
                },
            },
        }
        aggs = self._call(self.client.search, index=self.index, body=body)["aggregations"]
        asked, answered = aggs["asked"]["doc_count"], aggs["answered"]["doc_count"]
        buckets = aggs["unanswered"]["texts"]["buckets"] if top > 0 else []
        return Stats(
            asked=asked,
            answered=answered,
            not_found=asked - answered - aggs["unavailable"]["doc_count"],
            feedback_up=aggs["up"]["doc_count"],
            feedback_down=aggs["down"]["doc_count"],
            unanswered=tuple(
                FrequentQuestion(
                    bucket["shown"]["hits"]["hits"][0]["_source"]["text"], bucket["doc_count"]
                )
                for bucket in buckets
            ),
        )

    def _count(self, query: dict[str, Any]) -> int:
        return int(self._call(self.client.count, index=self.index, body={"query": query})["count"])

    def close(self) -> None:
        self.wait_for_pruning(timeout=10)
        self.client.close()


def _key(text: str) -> str:
    """What /stats groups questions by: SQLite's ``lower(trim(text))`` (which folds only
    ASCII letters; this folds every letter: Korean has no case, so the groups agree)."""
    return text.strip(" ").lower()


def _status(status: str) -> dict[str, Any]:
    return {"term": {"status": status}}


def _question(source: Any) -> Question | None:
    """The stored question; None for a document that isn't one (never raises)."""
    try:
        return Question(
            id=int(source["id"]),
            chat_id=int(source["chat_id"]),
            user_id=None if source.get("user_id") is None else int(source["user_id"]),
            text=str(source["text"]),
            status=str(source["status"]),
            asked_at=float(source["asked_at"]),
            token=source.get("token"),
            message_id=None if source.get("message_id") is None else int(source["message_id"]),
            passages=source.get("passages"),
            followup_of=source.get("followup_of"),
            parent_id=None if source.get("parent_id") is None else int(source["parent_id"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
