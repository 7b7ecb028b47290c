"""A small web server on 127.0.0.1 for tests that fetch over real HTTP.

    with LocalWeb() as web:
        url = web.page("/article", "<html>...</html>")
        web.add("/feed", Response(body=rss, content_type="application/rss+xml"))
        web.add("/counter", lambda request: Response(body=next(versions)))
        web.redirect("/old", "/new")
        web.hang("/slow")                   # accepts the request, never answers
        ...
        assert web.requests_for("/article")[0].headers["user-agent"]
        web.wait_for_request("/slow")       # blocks until the request has arrived

Routes map a path (without query) to a :class:`Response` or to a function of the
:class:`Request` returning one. A body may be an iterable of chunks, which is streamed
without a Content-Length unless the route sets one, so huge bodies needn't exist in memory
(return a fresh generator from a route function: a generator is spent after one request).
The server binds 127.0.0.1 only and runs in a daemon thread; ``stop()`` releases routes
that hang.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self
from urllib.parse import urlsplit

__all__ = ["LocalWeb", "Request", "Response", "Route"]

# Longest a hanging route waits for stop(), so a forgotten server can't hang the run.
_HANG_LIMIT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Request:
    """A request the server received."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    """Header names lower-cased."""


@dataclass(slots=True)
class Response:
    """What a route answers. ``content_type=None`` sends no Content-Type header."""

    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: Mapping[str, str] = field(default_factory=dict)


Route = Response | Callable[[Request], Response]


class LocalWeb:
    """An HTTP/1.0 server on 127.0.0.1 with routes registered by the test."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)  # notified on every request
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        # A short poll interval keeps stop() (which waits for one poll) fast.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="LocalWeb", daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases hanging routes
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str, *, host: str = "127.0.0.1") -> str:
        """Absolute URL of ``path``; ``host`` lets a test use a name its resolver maps here."""
        return f"http://{host}:{self.port}{path}"

    # -- routes ------------------------------------------------------------------------

    def add(self, path: str, route: Route) -> str:
        """Serve ``route`` at ``path`` (query strings are ignored); returns its URL."""
        with self._lock:
            self._routes[path] = route
        return self.url(path)

    def page(
        self,
        path: str,
        body: str | bytes,
        *,
        content_type: str | None = "text/html; charset=utf-8",
        headers: Mapping[str, str] | None = None,
    ) -> str:
        """Serve a fixed body; a str is sent as UTF-8."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        return self.add(path, Response(200, data, content_type, dict(headers or {})))

    def redirect(self, path: str, location: str, *, status: int = 302) -> str:
        return self.add(path, Response(status, b"", None, {"Location": location}))

    def hang(self, path: str) -> str:
        """A route that reads the request and then never answers (until ``stop()``)."""

        def never_answer(request: Request) -> Response:
            self._stopping.wait(_HANG_LIMIT_SECONDS)
            return Response(503, b"", None)

        return self.add(path, never_answer)

    def requests_for(self, path: str) -> list[Request]:
        with self._lock:
            return self._requests_for(path)

    def wait_for_request(self, path: str, timeout: float = 30.0) -> Request:
        """The first request for ``path``, once it has arrived (``TimeoutError`` if it
        doesn't within ``timeout`` seconds). Blocks: from async code, use a thread."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: self._requests_for(path), timeout):
                raise TimeoutError(f"no request for {path} within {timeout} s")
            return self._requests_for(path)[0]

    def _requests_for(self, path: str) -> list[Request]:
        return [request for request in self.requests if request.path == path]

    # -- used by the handler -----------------------------------------------------------

    def _answer(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
            self._arrived.notify_all()
            route = self._routes.get(request.path)
        if route is None:
            return Response(404, b"not found", "text/plain; charset=utf-8")
        return route(request) if callable(route) else route


def _make_handler(web: LocalWeb) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "LocalWeb/1.0"

        def do_GET(self) -> None:
            self._serve(send_body=True)

        def do_HEAD(self) -> None:
            self._serve(send_body=False)

        def _serve(self, *, send_body: bool) -> None:
            parts = urlsplit(self.path)
            request = Request(
                method=self.command,
                path=parts.path,
                query=parts.query,
                headers={name.lower(): value for name, value in self.headers.items()},
            )
            response = web._answer(request)
            # The client may give up mid-answer (size limit, timeout): expected here.
            with contextlib.suppress(ConnectionError):
                self._send(response, send_body=send_body)

        def _send(self, response: Response, *, send_body: bool) -> None:
            self.send_response(response.status, HTTPStatus(response.status).phrase)
            if response.content_type is not None:
                self.send_header("Content-Type", response.content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            body = response.body
            if isinstance(body, bytes) and "content-length" not in _lower(response.headers):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not send_body or response.status == 304:
                return
            chunks = [body] if isinstance(body, bytes) else body
            for chunk in chunks:
                self.wfile.write(chunk)

        def log_message(self, format: str, *args: object) -> None:
            """Say nothing: the tests' output stays clean."""

    return Handler


def _lower(headers: Mapping[str, str]) -> set[str]:
    return {name.lower() for name in headers}
