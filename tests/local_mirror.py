"""A folder served over HTTP on 127.0.0.1: the stand-in for data mirrors in the tests."""

import contextlib
import functools
import http.server
import threading
from pathlib import Path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder``; yields its base URL (``http://127.0.0.1:<port>/``)."""
    folder.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def serve_scripted(body: bytes, script: list[str], *, drip_interval: float = 0.05,
                   drip_for: float = 3.0, flood: int = 32 << 20):
    """A raw TCP server on 127.0.0.1 that answers its n-th connection as ``script[n]`` says
    (the last entry repeats), serving ``body`` for any path:

    * ``"ok"``: a correct HTTP response;
    * ``"truncate"``: announces the whole Content-Length, sends half the body, closes;
    * ``"garbage"``: answers with bytes that are not HTTP (what BadStatusLine means);
    * ``"hang"``: accepts and says nothing for two seconds;
    * ``"drip"``: sends the headers, then the body one byte every ``drip_interval`` seconds;
    * ``"drip-head"``: sends even the status line and headers one byte at a time;
    * ``"flood"``: sends ``flood`` bytes of zeros as the body, with no Content-Length;
    * ``"flood-announced"``: the same, announced in Content-Length.

    A drip gives up after ``drip_for`` seconds and a flood when the client closes, so a client
    without the bounds under test fails in seconds instead of hanging. Yields
    ``(base_url, served)``, ``served`` the list of behaviours used so far.
    """
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    served: list[str] = []
    stop = threading.Event()

    def drip(conn, data: bytes) -> None:
        until = time.monotonic() + drip_for
        for i in range(len(data)):
            if stop.is_set() or time.monotonic() > until:
                return
            conn.sendall(data[i:i + 1])
            time.sleep(drip_interval)

    def handle(conn):
        with conn:
            conn.recv(65536)  # the request; its path does not matter
            how = script[min(len(served), len(script) - 1)]
            served.append(how)
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            if how == "ok":
                conn.sendall(head.encode() + body)
            elif how == "truncate":
                conn.sendall(head.encode() + body[: len(body) // 2])
            elif how == "garbage":
                conn.sendall(b"\x16\x03\x01 this is not HTTP\r\n\r\n")
            elif how == "hang":
                time.sleep(2)
            elif how == "drip":
                conn.sendall(head.encode())
                drip(conn, body)
            elif how == "drip-head":
                drip(conn, head.encode() + body)
            elif how.startswith("flood"):
                length = f"Content-Length: {flood}\r\n" if how == "flood-announced" else ""
                conn.sendall(f"HTTP/1.1 200 OK\r\n{length}Connection: close\r\n\r\n".encode())
                zeros = bytes(1 << 16)
                for _ in range(flood // len(zeros)):
                    if stop.is_set():
                        return
                    conn.sendall(zeros)

    def loop():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            try:
                handle(conn)
            except OSError:
                pass  # the client closed the connection: what a bounded client does

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/", served
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
