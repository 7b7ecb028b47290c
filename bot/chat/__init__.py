"""The Telegram front end, over python-telegram-bot.

Named ``chat`` so that it never shadows the ``telegram`` library. Nothing outside this
package imports ``telegram``.

    app.py        build_application(settings, service) and run_bot(settings)
    handlers.py   the thin handlers: parse → AnswerService (in a thread) → render → reply
    admin.py      admin-only commands (/stats) and the seam for /refresh and /add
    render.py     answers, passages and lists as Telegram HTML within Telegram's limits
    callbacks.py  button data ↔ ≤ 64-byte strings
    refs.py       ChatRef: a button's id + random token, valid only in its row's chat
    history.py    ChatHistory (what the handlers keep: questions for buttons, votes,
                  follow-up context, /stats) and History, its SQLite file (versioned schema)
    cluster_history.py  ClusterHistory: the same in the OpenSearch cluster, for replicas
    limits.py     the per-user question throttle, the per-chat backlog cap, busy notices
    context.py    the typed CallbackContext (context.service, .history, .settings)
    texts.py      every Telegram text, Korean and English; the command menus
    errors.py     the one error handler
    redaction.py  keeps the bot token out of the logs
"""

from .app import build_application, run_bot

__all__ = ["build_application", "run_bot"]
