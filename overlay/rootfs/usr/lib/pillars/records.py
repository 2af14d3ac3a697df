#!/usr/bin/python3 -IS
"""pillars-records: the lab's replicated service, a numbered-record store on the DRBD filesystem.

The same service as records.cjs (overlay/roles/heartbeat/records-main.ts), for the images that
carry python3 (the heartbeat profile): under emulation Node.js takes 5-6 s to start and python3
(isolated, no site packages, only os and socket) under 1 s, and the start is part of every
takeover. POST /record/<n> appends "<n> <node>" to <dir>/records and answers 200 only after
fsync; GET /records returns the file; GET / answers "<node>". One request per connection
(Connection: close), one connection at a time, each bounded to 5 s.

    records.py --listen ADDRESS:PORT --dir DIR [--ready FIFO]
"""
import os
import re
import socket
import sys

RECORD = re.compile(rb"^/record/(\d{1,12})$")
MAX_HEAD = 8192


def args(argv):
    listen, directory, ready = "0.0.0.0:8080", "/srv/data", None
    i = 0
    while i < len(argv):
        if argv[i] == "--listen" and i + 1 < len(argv):
            listen = argv[i + 1]
            i += 1
        elif argv[i] == "--dir" and i + 1 < len(argv):
            directory = argv[i + 1]
            i += 1
        elif argv[i] == "--ready" and i + 1 < len(argv):
            ready = argv[i + 1]
            i += 1
        i += 1
    host, _, port = listen.rpartition(":")
    return host or "0.0.0.0", int(port), directory, ready


def answer(conn, status, body, ctype=b"text/plain"):
    reason = {200: b"OK", 400: b"Bad Request", 404: b"Not Found", 503: b"Service Unavailable"}[status]
    head = b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % (
        status,
        reason,
        ctype,
        len(body),
    )
    conn.sendall(head + body)


def serve(conn, fd, path, node):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return
        data += chunk
        if len(data) > MAX_HEAD:
            return answer(conn, 400, b"request too large\n")
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3:
        return answer(conn, 400, b"bad request line\n")
    method, url = parts[0], parts[1]
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or b"0")
    while len(body) < min(length, MAX_HEAD):
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    m = RECORD.match(url)
    if method == b"POST" and m:
        try:
            line = m.group(1) + b" " + node + b"\n"
            os.write(fd, line)
            os.fsync(fd)
        except OSError as err:
            # A failed write is never acknowledged.
            return answer(conn, 503, str(err).encode() + b"\n")
        return answer(conn, 200, line)
    if method == b"GET" and url == b"/records":
        with open(path, "rb") as f:
            return answer(conn, 200, f.read())
    if method == b"GET" and url == b"/":
        return answer(conn, 200, node + b"\n")
    return answer(conn, 404, b"not found\n")


def main():
    host, port, directory, ready = args(sys.argv[1:])
    path = os.path.join(directory, "records")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    node = socket.gethostname().encode()
    srv = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(64)
    if ready is not None:
        # Non-blocking: the resource script holds the FIFO open; with nobody reading, nobody waits.
        try:
            r = os.open(ready, os.O_WRONLY | os.O_NONBLOCK)
            os.write(r, b"ready\n")
            os.close(r)
        except OSError:
            pass
    while True:
        conn, _ = srv.accept()
        conn.settimeout(5)
        try:
            serve(conn, fd, path, node)
        except (OSError, ValueError):
            pass
        finally:
            conn.close()


if __name__ == "__main__":
    main()
