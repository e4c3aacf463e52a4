"""The operator's HTTP endpoints, ``/metrics`` and ``/healthz``, on a small stdlib server.

It runs in daemon threads beside the loop (``ThreadingHTTPServer``: a slow scrape does not hold up
a health check) and only reads: the store through its own pooled connections, and the loop's
in-memory ``ProcessState`` under its lock. ``run`` starts it when ``[service] metrics_port`` is set
and stops it after the loop has finished. It binds to ``[service] metrics_host``, loopback by
default: the endpoints carry no secrets, but counts of a program's mail are nobody else's business.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine

from agent.observability.health import check_health
from agent.observability.metrics import Clock, StoreCollector, build_registry, render
from agent.observability.state import ProcessState

log = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "mentor-agent"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._reply(200, CONTENT_TYPE_LATEST, render(self.server.registry))
        elif path == "/healthz":
            health = check_health(self.server.engine, self.server.state, self.server.clock(), self.server.max_age)
            self._reply(health.status_code, "application/json", json.dumps(health.body).encode() + b"\n")
        else:
            self._reply(404, "text/plain; charset=utf-8", b"not found: try /metrics or /healthz\n")

    def _reply(self, code: int, content_type: str, payload: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the stdlib's signature)
        log.debug("%s " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, *, engine: Engine, state: ProcessState, clock: Clock, max_age, registry):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6  # metrics_host = "::1" or "::"
        super().__init__(address, _Handler)
        self.engine, self.state, self.clock, self.max_age, self.registry = engine, state, clock, max_age, registry


class OperatorServer:
    """``/metrics`` and ``/healthz`` on ``host:port`` (port 0 picks a free one; see ``address``)."""

    def __init__(self, engine: Engine, state: ProcessState, clock: Clock, *, host: str = "127.0.0.1", port: int = 0,
                 worker: str = "", max_age: timedelta | None = None):
        registry = build_registry(StoreCollector(engine, state, clock, worker))
        self._server = _Server((host, port), engine=engine, state=state, clock=clock, max_age=max_age,
                               registry=registry)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"

    def start(self) -> OperatorServer:
        self._thread = threading.Thread(target=self._server.serve_forever, name="mentor-agent-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> OperatorServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
