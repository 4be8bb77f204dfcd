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
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def serve_scripted(body: bytes, script: list[str]):
    """A raw TCP server on 127.0.0.1 that answers its n-th connection as ``script[n]`` says
    (the last entry repeats), serving ``body`` for any path:

    * ``"ok"``: a correct HTTP response;
    * ``"truncate"``: announces the whole Content-Length, sends half the body, closes;
    * ``"garbage"``: answers with bytes that are not HTTP (what BadStatusLine means);
    * ``"hang"``: accepts and says nothing for two seconds.

    Yields ``(base_url, served)``, ``served`` the list of behaviours used so far.
    """
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    served: list[str] = []
    stop = threading.Event()

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

    def loop():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            handle(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/", served
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
