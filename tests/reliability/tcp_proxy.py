"""A TCP proxy between the agent and a database server that a test can cut and restore.

It plays a network fault (a firewall, a failover, a cable) without touching the server every
other test shares: ``cut()`` closes every proxied connection and refuses new ones; ``restore()``
accepts again. Only the connections of the agent that was given ``url_through(...)`` suffer.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

import sqlalchemy as sa

__all__ = ["TcpProxy"]


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target``; ``cut()``/``restore()`` break and heal it."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        """Where connections are forwarded."""
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        """The local port the proxy listens on."""
        self._open = threading.Event()
        self._open.set()
        self._sockets: set[socket.socket] = set()
        self._guard = threading.Lock()
        self._closed = False
        self.connections = 0
        """Connections accepted so far."""
        self.cuts = 0
        """Times ``cut()`` was called."""
        threading.Thread(target=self._accept, daemon=True, name="tcp-proxy").start()

    def url_through(self, url: str) -> str:
        """``url`` with its host and port replaced by the proxy's."""
        return (
            sa.make_url(url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    def cut(self) -> None:
        """Close every proxied connection now and refuse (reset) new ones until ``restore``."""
        self._open.clear()
        self.cuts += 1
        with self._guard:
            doomed, self._sockets = list(self._sockets), set()
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        """Accept and forward connections again."""
        self._open.set()

    def close(self) -> None:
        """Stop listening and drop everything."""
        self._closed = True
        self.cut()
        self._listener.close()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._open.is_set():
                client.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                client.close()  # RST: "connection reset", like a firewall rejecting
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            self.connections += 1
            with self._guard:
                self._sockets.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            with self._guard:
                self._sockets.discard(source)
                self._sockets.discard(sink)
