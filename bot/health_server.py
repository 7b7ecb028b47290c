"""``GET /healthz`` and ``GET /metrics`` on METRICS_LISTEN, for supervisors and Prometheus.

The server runs in a thread of its own, apart from the bot's event loop, so a stuck
loop still gets its 503 (it stops polling, and ``Metrics.health`` notices).

    server = HealthServer(metrics, "127.0.0.1", 9100).start()
    ...
    server.stop()
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

from .errors import SettingsError
from .metrics import PROMETHEUS_CONTENT_TYPE, Metrics

__all__ = ["HealthServer"]

log = logging.getLogger(__name__)


class HealthServer:
    """A small HTTP server answering ``/healthz`` and ``/metrics``; anything else is 404."""

    def __init__(self, metrics: Metrics, host: str, port: int) -> None:
        server = _IPv6Server if ":" in host else ThreadingHTTPServer  # "[::1]:9100" gives "::1"
        try:
            self._server = server((host, port), _handler_for(metrics))
        except OSError as error:
            raise SettingsError(
                f"METRICS_LISTEN: can't listen on {host}:{port}: {error.strerror or error}"
            ) from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="health-server", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> Self:
        self._thread.start()
        log.info("serving /healthz and /metrics on %s:%d", *self.address)
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(5)
        self._server.server_close()


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def _handler_for(metrics: Metrics) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "article-qa-bot"

        def do_GET(self) -> None:
            path = self.path.partition("?")[0]
            if path == "/healthz":
                healthy, body = metrics.health()
                status = HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE
                self._send(status, json.dumps(body).encode(), "application/json")
            elif path == "/metrics":
                self._send(HTTPStatus.OK, metrics.exposition(), PROMETHEUS_CONTENT_TYPE)
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("health server: " + format, *args)

    return Handler
