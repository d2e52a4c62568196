"""``moto_server`` on a loopback port, bound before it serves (:class:`LoopbackServer`).

moto's own ``ThreadedMotoServer`` binds its socket on the thread that serves, so a port already in use leaves its
``start()`` waiting forever; here the socket is bound by :meth:`LoopbackServer.start` itself, which raises
:class:`PortInUseError` at once, and port 0 binds a free port without a probe (no race for it). Requests are served
on threads, one per request, as ``moto_server`` serves them, by moto's own WSGI application and request handler
(quiet: no line per request); ``wrap`` may put a middleware around the application.
"""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from mlopsctl.local.errors import LocalStackError
from mlopsctl.local.moto_patches.backends import moto_wsgi_application, quiet_moto_request_handler

LOOPBACK = "127.0.0.1"

#: Wraps a WSGI application (a middleware).
AppWrapper = Callable[[Any], Any]


class PortInUseError(LocalStackError):
    """The port asked for is taken."""


@contextmanager
def _bound(port: int) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a port left in TIME_WAIT, not one in use
        sock.bind((LOOPBACK, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(f"port {port} on {LOOPBACK} is in use") from None
        raise
    with sock:  # the server serves a duplicate of the descriptor
        yield sock


class LoopbackServer:
    """moto's application served on ``127.0.0.1:port`` from a background thread."""

    def __init__(self, port: int = 0, wrap: AppWrapper | None = None) -> None:
        self._port = port
        self._wrap = wrap
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port served (the one bound, when 0 was asked for)."""
        if self._server is None:
            raise LocalStackError("the server is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        """Bind the port and serve; :class:`PortInUseError` when it is taken."""
        app: Any = moto_wsgi_application()
        if self._wrap is not None:
            app = self._wrap(app)
        with _bound(self._port) as sock:  # werkzeug would print and exit on a taken port: bind it here
            self._server = make_server(
                LOOPBACK, self._port, app, threaded=True, request_handler=quiet_moto_request_handler(), fd=sock.fileno()
            )
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is None:
            return
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join()
        self._server.server_close()
        self._server = None
