"""A fake Slack Socket Mode server: a minimal WebSocket server (RFC 6455) on 127.0.0.1.

Only the standard library, and only what slack_sdk's built-in ``SocketModeClient``
(slack_sdk/socket_mode/builtin/) needs:

* the HTTP/1.1 upgrade: it reads the answer line by line up to the empty line and checks
  ``Sec-WebSocket-Accept`` = base64(sha1(key + GUID)), nothing else;
* server-to-client frames unmasked, client-to-server frames masked (the client masks all);
* text frames (``hello``, envelopes, acks), ping/pong (the client pings right after the
  handshake and every ``ping_interval``; the pong echoes its payload), close.

On connect it sends Slack's ``hello``; a test then ``send_envelope()``s events, slash
commands or interactions and ``wait_for_ack()``s the ``{"envelope_id", "payload"?}`` the app
answers. Every loop is bounded by a timeout or by ``stop()``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
HELLO = {
    "type": "hello",
    "num_connections": 1,
    "debug_info": {"host": "applink-0", "build_number": 10, "approximate_connection_time": 18060},
    "connection_info": {"app_id": "A0APP0001"},
}
POLL = 0.1  # seconds a blocking socket call waits before checking whether to stop


def accept_key(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` answering a client's ``Sec-WebSocket-Key``."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def frame(opcode: int, payload: bytes) -> bytes:
    """One final, unmasked frame (a server never masks)."""
    head = bytes([0x80 | opcode])
    if len(payload) < 126:
        head += bytes([len(payload)])
    elif len(payload) < 1 << 16:
        head += struct.pack("!BH", 126, len(payload))
    else:
        head += struct.pack("!BQ", 127, len(payload))
    return head + payload


class _Closed(Exception):
    """The peer went away, or the server is stopping."""


class _Peer:
    """One client connection: exact reads over a socket with a short timeout."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self.sock = sock
        self.stopping = stopping
        self.buffer = b""
        self.send_lock = threading.Lock()
        sock.settimeout(POLL)

    def _fill(self) -> None:
        while True:
            if self.stopping.is_set():
                raise _Closed
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError as exc:
                raise _Closed from exc
            if not chunk:
                raise _Closed
            self.buffer += chunk
            return

    def read_exact(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._fill()
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def read_until(self, marker: bytes, limit: int = 65536) -> bytes:
        while marker not in self.buffer:
            if len(self.buffer) > limit:
                raise _Closed
            self._fill()
        data, _, self.buffer = self.buffer.partition(marker)
        return data

    def send(self, data: bytes) -> None:
        with self.send_lock:
            self.sock.sendall(data)

    def read_frame(self) -> tuple[int, bool, bool, bytes]:
        """(opcode, fin, masked, unmasked payload) of the next frame."""
        b1, b2 = self.read_exact(2)
        length = b2 & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self.read_exact(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self.read_exact(8))
        masked = bool(b2 & 0x80)
        mask = self.read_exact(4) if masked else b"\0\0\0\0"
        data = self.read_exact(length)
        payload = bytes(byte ^ mask[i % 4] for i, byte in enumerate(data))
        return b1 & 0x0F, bool(b1 & 0x80), masked, payload


class FakeSocketMode:
    """Start with ``start()``; put ``url`` in FakeSlack.socket_mode_url; ``stop()`` at the end."""

    def __init__(self) -> None:
        self.paths: list[str] = []  # the request path of every accepted handshake
        self.messages: list[dict[str, Any]] = []  # every text frame the client sent
        self.acks: dict[str, dict[str, Any]] = {}  # envelope_id -> the client's ack
        self.pings = 0
        self.disconnects = 0  # connections the client closed
        self.errors: list[str] = []  # protocol violations by the client; a test asserts none
        self._lock = threading.Condition()
        self._stopping = threading.Event()
        self._peers: list[_Peer] = []
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None

    # --- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeSocketMode:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(POLL)
        self._listener = listener
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        """Close every connection with a close frame, stop every thread (bounded)."""
        self._stopping.set()
        with self._lock:
            peers = list(self._peers)
        for peer in peers:
            try:
                peer.send(frame(OP_CLOSE, struct.pack("!H", 1001) + b"server stopping"))
            except OSError:
                pass
        for thread in self._threads:
            thread.join(timeout=2)
        if self._listener is not None:
            self._listener.close()

    @property
    def url(self) -> str:
        assert self._listener is not None
        host, port = self._listener.getsockname()[:2]
        return f"ws://{host}:{port}/link/"

    # --- test controls ---------------------------------------------------------------
    def wait_for_connection(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until ``count`` clients completed the handshake (and got ``hello``)."""
        self._wait(lambda: len(self.paths) >= count, timeout, f"{count} connection(s)")

    def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Send an envelope (events_api, slash_commands, interactive…) on the newest connection."""
        with self._lock:
            if not self._peers:
                raise AssertionError("no Socket Mode client is connected")
            peer = self._peers[-1]
        peer.send(frame(OP_TEXT, json.dumps(envelope).encode()))

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The client's ack of ``envelope_id``: ``{"envelope_id": …}`` plus ``payload`` if any."""
        self._wait(lambda: envelope_id in self.acks, timeout, f"the ack of {envelope_id}")
        return self.acks[envelope_id]

    def wait_for_disconnect(self, count: int = 1, timeout: float = 10.0) -> None:
        self._wait(lambda: self.disconnects >= count, timeout, f"{count} disconnect(s)")

    def _wait(self, done: Any, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not done():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting for {what}; got {self.messages}")
                self._lock.wait(remaining)

    # --- the server --------------------------------------------------------------------
    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._spawn(self._serve, sock)

    def _serve(self, sock: socket.socket) -> None:
        peer = _Peer(sock, self._stopping)
        try:
            if self._handshake(peer):
                self._frames(peer)
        except _Closed:
            pass
        finally:
            with self._lock:
                if peer in self._peers:
                    self._peers.remove(peer)
                    self.disconnects += 1
                self._lock.notify_all()
            sock.close()

    def _handshake(self, peer: _Peer) -> bool:
        """Answer the HTTP upgrade; then say hello. False (after a 400) if it is not one."""
        request = peer.read_until(b"\r\n\r\n").decode("latin-1")
        request_line, *header_lines = request.split("\r\n")
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        method, path, _version = (request_line.split(" ") + ["", "", ""])[:3]
        key = headers.get("sec-websocket-key", "")
        if (
            method != "GET"
            or headers.get("upgrade", "").lower() != "websocket"
            or headers.get("sec-websocket-version") != "13"
            or not key
        ):
            with self._lock:
                self.errors.append(f"not a WebSocket upgrade: {request!r}")
            peer.send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return False
        peer.send(
            (
                "HTTP/1.1 101 Switching Protocols\r\n"
                "Upgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept_key(key)}\r\n"
                "\r\n"
            ).encode()
        )
        peer.send(frame(OP_TEXT, json.dumps(HELLO).encode()))
        with self._lock:
            self.paths.append(path)
            self._peers.append(peer)
            self._lock.notify_all()
        return True

    def _frames(self, peer: _Peer) -> None:
        """Read the client's frames until it closes (or we stop)."""
        while True:
            opcode, fin, masked, payload = peer.read_frame()
            if not masked or not fin:
                # A client must mask every frame; slack_sdk never fragments, so neither do we.
                with self._lock:
                    self.errors.append(f"unmasked or fragmented frame (opcode {opcode})")
                peer.send(frame(OP_CLOSE, struct.pack("!H", 1002)))
                return
            if opcode == OP_TEXT:
                self._on_text(payload.decode())
            elif opcode == OP_PING:
                with self._lock:
                    self.pings += 1
                peer.send(frame(OP_PONG, payload))
            elif opcode == OP_PONG:
                pass
            elif opcode == OP_CLOSE:
                peer.send(frame(OP_CLOSE, payload[:2]))  # echo the status code, then hang up
                return
            else:
                with self._lock:
                    self.errors.append(f"unexpected opcode {opcode}")

    def _on_text(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = {"_raw": text}
        with self._lock:
            self.messages.append(message)
            if isinstance(message, dict) and "envelope_id" in message:
                self.acks[str(message["envelope_id"])] = message
            self._lock.notify_all()
