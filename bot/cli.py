"""The command line: ``python -m bot <command>``.

run       start the Telegram bot, or answer in the terminal when no token is set
ask       answer questions (an argument, or one per line from standard input)
sources   list the articles
import    turn saved web pages (.txt / .html) into corpus articles
index     build the index now (it is also built on demand)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .answers import Turn
from .corpus.samples import seed_corpus
from .errors import BotError, SettingsError
from .library import Library
from .logs import configure_logging
from .presentation import change_lines
from .progress import TerminalProgress
from .refresh import ChangeKind, RefreshReport
from .settings import Settings
from .terminal import answer_to_json, render_answer
from .texts import KOREAN, corpus_size, duration, texts_for

__all__ = ["main", "program_name"]

# How long `ask` waits for the index to take in changes made while nothing ran.
CATCH_UP_WAIT_SECONDS = 10.0
# `ask --top`: the same range as RESULTS_PER_ANSWER.
TOP_RANGE = (1, 5)
LANGUAGES = ("ko", "en")
# Commands that answer from the corpus start a missing corpus folder with the bundled
# sample articles; `import` and `add` start it empty, with only what is added.
SEEDING_COMMANDS = frozenset({"run", "ask", "sources", "index", "refresh"})
# The exit status of a program killed by SIGPIPE (128 + 13), as `head` expects of a writer.
BROKEN_PIPE_STATUS = 141


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader (`head`, a closed pager) is gone: stop quietly. Point stdout at
        # /dev/null so the interpreter's final flush doesn't raise again at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE_STATUS


def program_name(argv0: str | None = None) -> str:
    """What to call the program in usage lines: the installed command's name
    (``article-qa-bot``), or ``python -m bot`` when run as a module."""
    name = os.path.basename(argv0 if argv0 is not None else sys.argv[0])
    if not name or name in ("__main__.py", "-c", "-m") or name.startswith("python"):
        return "python -m bot"
    return name


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        settings = Settings.from_env()
        # Only the Telegram bot logs its work; terminal commands print their own results.
        serving = args.command == "run" and settings.has_token
        quiet = not serving and settings.log_level != "DEBUG"
        configure_logging("WARNING" if quiet else settings.log_level, settings.log_format)
        for warning in settings.warnings:
            logging.getLogger("bot.settings").warning("%s", warning)
        # A replica (REFRESH_ENABLED=false) answers from the cluster: no corpus folder made.
        seeding = args.command in SEEDING_COMMANDS and settings.refresh_enabled
        if seeding and (seeded := seed_corpus(settings.corpus_dir)):
            print(
                f"{settings.corpus_dir} did not exist: created it with the {seeded} sample "
                "articles bundled with the bot (add your own there, or set CORPUS_DIR)",
                file=sys.stderr,
            )
        return int(args.handler(args, settings) or 0)
    except BotError as error:
        print(f"error: {error.user_message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=program_name(),
        description="Answer questions about a collection of articles, in Telegram or here.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser("run", help="start the bot (terminal mode without a token)")
    run.add_argument(
        "--terminal",
        action="store_true",
        help="answer questions from standard input even when it is not a terminal",
    )
    run.set_defaults(handler=_run)

    ask = commands.add_parser("ask", help="answer a question, or one per line from stdin")
    ask.add_argument("question", nargs="?", help="the question; omit to read stdin")
    ask.add_argument("--json", action="store_true", help="print JSON (one object per line)")
    ask.add_argument(
        "--top",
        type=_top,
        default=None,
        metavar="N",
        help=f"number of passages, {TOP_RANGE[0]}-{TOP_RANGE[1]} (default: RESULTS_PER_ANSWER)",
    )
    ask.add_argument(
        "--lang", default="ko", choices=LANGUAGES, help="language of the messages (default ko)"
    )
    ask.add_argument(
        "--after",
        metavar="QUESTION",
        help="answer as a follow-up of this earlier question, like a reply to its answer",
    )
    ask.set_defaults(handler=_ask)

    sources = commands.add_parser("sources", help="list the articles")
    sources.add_argument("--json", action="store_true")
    sources.set_defaults(handler=_sources)

    imp = commands.add_parser("import", help="import saved pages into the corpus")
    imp.add_argument("files", nargs="+", type=Path)
    for name in ("title", "publisher", "author", "translator", "published", "url", "provenance"):
        imp.add_argument(f"--{name}", default="", help=f"the article's {name} (overrides the page)")
    imp.add_argument("--language", default="", help="language code (default ko)")
    imp.set_defaults(handler=_import)

    index = commands.add_parser("index", help="build the index now")
    index.set_defaults(handler=_index)

    refresh = commands.add_parser("refresh", help="refresh the corpus from its sources")
    refresh.set_defaults(handler=_refresh)

    add = commands.add_parser("add", help="add an article (or a feed) by URL")
    add.add_argument("urls", nargs="+", metavar="URL")
    add.set_defaults(handler=_add)
    return parser


def _top(value: str) -> int:
    low, high = TOP_RANGE
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {number}")
    return number


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    library = Library(settings)
    service = library.open_service(TerminalProgress())
    texts = texts_for(args.lang)
    catching_up = library.catching_up
    if catching_up is not None:
        # The stored index was served unchecked: answer from the corpus as it is now,
        # unless indexing what changed takes long (a large corpus); then say so.
        catching_up.join(CATCH_UP_WAIT_SECONDS)
        if catching_up.is_alive():
            print(texts.index_stale.format(seconds=f"{CATCH_UP_WAIT_SECONDS:g}"), file=sys.stderr)
    questions = (
        [args.question] if args.question is not None else (line.rstrip("\n") for line in sys.stdin)
    )
    earlier = Turn.of(service.ask(args.after)) if args.after else None
    for question in questions:
        answer = service.ask(question, top=args.top, context=earlier)
        if args.json:
            print(json.dumps(answer_to_json(answer), ensure_ascii=False), flush=True)
        else:
            print(render_answer(answer, texts, color=sys.stdout.isatty()), end="\n\n", flush=True)
    if catching_up is not None:
        catching_up.join()  # cut short, it would start over at every ask
    return 0


def _sources(args: argparse.Namespace, settings: Settings) -> int:
    corpus = Library(settings).store.load()
    if args.json:
        rows = [
            {
                "doc_id": a.id,
                "title": a.title,
                "publisher": a.publisher,
                "published": a.published,
                "url": a.url,
                "provenance": a.provenance,
            }
            for a in corpus.articles
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for article in corpus.articles:
        facts = " · ".join(p for p in (article.publisher, article.published, article.url) if p)
        print(f"{article.id}  {article.title}  ({facts})")
    return 0


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from .corpus.importer import article_from_saved_page
    from .corpus.limits import limit_article

    library = Library(settings)
    overrides = {
        name: getattr(args, name)
        for name in (
            "title",
            "publisher",
            "author",
            "translator",
            "published",
            "url",
            "provenance",
            "language",
        )
    }
    progress = TerminalProgress()
    for done, path in enumerate(args.files):
        progress("importing", done, len(args.files))
        article = article_from_saved_page(path, **overrides)
        article, cut = limit_article(article, settings.article_max_chars, str(path))
        saved = library.store.save_article(article)
        print(f"imported {path} → {saved} ({article.title}, {len(article.body)} characters)")
        if cut is not None:
            print(f"  {cut.reason}")
    progress("importing", len(args.files), len(args.files))
    return 0


def _index(args: argparse.Namespace, settings: Settings) -> int:
    library = Library(settings)
    progress = TerminalProgress()
    synced = library.sync(progress)
    index, changes = synced.view, synced.changes
    vectors = library.embed(index, progress)
    semantic = f", {vectors.size} with vectors" if vectors is not None else ""
    size = corpus_size(len(index.corpus.articles), index.size, "en")
    if changes.rebuilt:
        changed = "index built afresh"
    else:
        changed = (
            f"added {len(changes.added)}, updated {len(changes.updated)},"
            f" removed {len(changes.removed)}, unchanged {changes.unchanged}"
        )
    print(f"{size}{semantic}, engine {index.engine.name}; {changed}")
    return 0


def _refresh(args: argparse.Namespace, settings: Settings) -> int:
    from .refresh import Refresher

    started = time.monotonic()
    library = Library(settings)
    progress = TerminalProgress()
    service = library.open_service(progress)
    report = asyncio.run(Refresher(library, service).refresh(progress))
    library.embed_for(service, progress)
    # The whole command, as the operator waited for it: opening the index and embedding
    # the new passages are most of it when few pages changed.
    report.seconds = time.monotonic() - started
    for line in describe_report(report):
        print(line)
    return 0


def _add(args: argparse.Namespace, settings: Settings) -> int:
    from .refresh import Refresher

    library = Library(settings)
    progress = TerminalProgress()
    refresher = Refresher(library, library.open_service(progress))
    failed = 0
    for url in args.urls:
        result = asyncio.run(refresher.add(url, progress))
        change = result.change
        if change.kind is ChangeKind.FAILED:
            failed += 1
            print(f"failed: {url}: {change.reason}", file=sys.stderr)
        elif change.kind is ChangeKind.UNCHANGED:
            print(f"already in the corpus: {change.title} ({change.source})")
        else:
            print(f"added: {change.title} ({change.source})")
            if result.sample:
                print(f"  “{result.sample[:200]}”")
            for added in result.report.of(ChangeKind.ADDED) if result.report else ():
                if added.title != change.title:
                    print(f"  added: {added.title} ({added.source})")
            for cut in result.report.of(ChangeKind.TRUNCATED) if result.report else ():
                print(f"  truncated: {cut.title}: {cut.reason}")
    library.embed_for(refresher.service, progress)
    return 1 if failed else 0


def describe_report(report: RefreshReport) -> list[str]:
    lines = [f"refresh finished in {duration(report.seconds, 'en')}: {report.summary()}"]
    for change in change_lines(report):
        reason = f": {change.reason}" if change.reason else ""
        where = f" ({change.source})" if change.source else ""
        lines.append(f"  {change.kind.value}: {change.title}{where}{reason}")
    return lines


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.has_token:
        from .chat.app import run_bot

        return run_bot(settings)
    if not args.terminal and not sys.stdin.isatty():
        # Under systemd, Docker or cron a missing token must not look like a clean exit.
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN is not set and standard input is not a terminal, so there "
            "is nobody to answer: set the token (in .env or the environment) to run the "
            "Telegram bot, or use `run --terminal` to answer questions from standard input"
        )
    return _terminal_chat(settings)


def _terminal_chat(settings: Settings) -> int:
    library = Library(settings)
    service = library.open_service(TerminalProgress(), vectors_now=False)
    library.embed_in_background(service)
    texts = KOREAN
    print(texts.no_token, file=sys.stderr)
    interactive = sys.stdin.isatty()
    # Like a private chat: a message without a topic of its own follows the last answer up.
    earlier: Turn | None = None
    answered_at = 0.0
    while True:
        try:
            question = input(texts.prompt if interactive else "")
        except EOFError:
            print(texts.goodbye if interactive else "", file=sys.stderr)
            return 0
        if question.strip().split("@")[0] in ("/help", "/start"):  # as the bot answers them
            titles = " · ".join(a.title for a in service.suggestions.articles[:8])
            print(f"{texts.terminal_help}\n{texts.articles_available}: {titles}", end="\n\n")
            continue
        recent = time.monotonic() - answered_at <= settings.followup_minutes * 60
        answer = service.ask(question, context=earlier if recent else None, explicit=False)
        earlier, answered_at = Turn.of(answer), time.monotonic()
        print(render_answer(answer, texts, color=sys.stdout.isatty()), end="\n\n")
