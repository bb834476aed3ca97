#!/usr/bin/env python3
"""Loopback measurements for the OpenAI-compatible API and the request event streams (issue 29).
Standard library only. Subcommands print one RESULT line of key=value pairs.

  overhead  --fake URL --ca FILE --service URL --key KEY [--n 500] [--service-b URL --key-b KEY]
            sequential chat completions, direct to the fake GigaChat and through /v1; p50/p99 of each,
            and time to the first streamed chunk both ways. With a second service (another build), its
            calls are interleaved with the first's and reported as b_* (an A/B under the same drift)
  events    --api URL [--n 30]   completed event's arrival minus completed_at (from the event's data)
  streams   --api URL --pid PID [--streams 1000] [--requests 20] [--hold 10]   peak RSS with N open streams
"""
import argparse, asyncio, base64, datetime, http.client, json, ssl, statistics, sys, time, urllib.parse, uuid


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q * len(s) + 0.5)) - 1))]


def conn_for(url, ca=None):
    u = urllib.parse.urlsplit(url)
    if u.scheme == "https":
        return http.client.HTTPSConnection(u.hostname, u.port, context=ssl.create_default_context(cafile=ca)), u.path.rstrip("/")
    return http.client.HTTPConnection(u.hostname, u.port), u.path.rstrip("/")


def call(conn, path, body, headers, stream):
    """One request; returns (total seconds, seconds to the first body chunk)."""
    started = time.perf_counter()
    conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json", **headers})
    response = conn.getresponse()
    if response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status} {response.read()[:300]!r}")
    first = None
    if stream:
        while True:
            line = response.readline()
            if first is None and line.startswith(b"data: {"):
                first = time.perf_counter() - started
            if not line or line.strip() == b"data: [DONE]":
                break
        response.read()
    else:
        response.read()
    return time.perf_counter() - started, first


def overhead(a):
    fake, fake_path = conn_for(a.fake, a.ca)
    host = urllib.parse.urlsplit(a.fake)
    oauth = http.client.HTTPSConnection(host.hostname, host.port, context=ssl.create_default_context(cafile=a.ca))
    oauth.request("POST", "/api/v2/oauth", body="scope=GIGACHAT_API_PERS", headers={
        "Authorization": "Basic dGVzdDp0ZXN0", "RqUID": str(uuid.uuid4()), "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
    token = json.loads(oauth.getresponse().read())["access_token"]
    messages = [{"role": "user", "content": "Сколько будет два плюс два? Ответь одним словом."}]

    def through(url, key):
        service, service_path = conn_for(url)
        return lambda stream: call(service, service_path + "/v1/chat/completions", {"model": "GigaChat", "messages": messages, "stream": stream},
                                   {"Authorization": "Bearer " + key}, stream)
    targets = {"": lambda stream: call(fake, fake_path + "/chat/completions", {"model": "GigaChat", "messages": messages, "stream": stream},
                                       {"Authorization": "Bearer " + token}, stream),
               "gateway": through(a.service, a.key)}
    if a.service_b:
        targets["b"] = through(a.service_b, a.key_b)
    for _ in range(a.warmup):  # JIT, connections, the token
        for target in targets.values():
            target(False); target(True)
    total = {name: [] for name in targets}
    first = {name: [] for name in targets}
    for _ in range(a.n):  # interleaved, so drifts of the machine hit all alike
        for name, target in targets.items():
            total[name].append(target(False)[0])
        for name, target in targets.items():
            first[name].append(target(True)[1])
    ms = lambda v: round(v * 1000, 3)
    d, dfirst = total[""], first[""]
    out = [f"RESULT n={a.n} direct_p50_ms={ms(pct(d, .5))} direct_p99_ms={ms(pct(d, .99))}"]
    for name in [n for n in targets if n]:
        g, gfirst = total[name], first[name]
        prefix = "" if name == "gateway" else "b_"
        out.append(f"{prefix}gateway_p50_ms={ms(pct(g, .5))} {prefix}gateway_p99_ms={ms(pct(g, .99))}"
                   f" {prefix}overhead_p50_ms={ms(pct(g, .5) - pct(d, .5))} {prefix}overhead_p99_ms={ms(pct(g, .99) - pct(d, .99))}"
                   f" first_chunk_direct_p50_ms={ms(pct(dfirst, .5))} {prefix}first_chunk_gateway_p50_ms={ms(pct(gfirst, .5))}"
                   f" first_chunk_direct_p99_ms={ms(pct(dfirst, .99))} {prefix}first_chunk_gateway_p99_ms={ms(pct(gfirst, .99))}"
                   f" {prefix}first_chunk_extra_p50_ms={ms(pct(gfirst, .5) - pct(dfirst, .5))} {prefix}first_chunk_extra_p99_ms={ms(pct(gfirst, .99) - pct(dfirst, .99))}")
    print(" ".join(out))


async def open_stream(host, port, request_id):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET /api/ai/events/{request_id} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    status = await reader.readline()
    if b" 200 " not in status:
        raise SystemExit(f"events {request_id}: {status!r}")
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    return reader, writer


async def next_event(reader):
    """The next event as (name, data, arrival time); chunked framing lines are skipped."""
    name, data = None, None
    while True:
        line = await reader.readline()
        if not line:
            return None
        line = line.rstrip(b"\r\n")
        if line.startswith(b"event: "):
            name = line[7:].decode()
        elif line.startswith(b"data: "):
            data = line[6:].decode()
        elif line == b"" and name is not None:
            return name, data, time.time()


def submit(api, i):
    conn, path = conn_for(api)
    conn.request("POST", path + "/api/ai/process", body=json.dumps({"query_text": f"Сумма по строкам {i}", "category": "analysis",
                 "input_data": [["Товар", "Январь"], ["A", 100 + i], ["B", 80]]}), headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    if response.status != 202:
        raise SystemExit(f"submit: HTTP {response.status} {body}")
    return body["request_id"]


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=datetime.timezone.utc).timestamp()


async def events(a):
    u = urllib.parse.urlsplit(a.api)
    delays = []
    for i in range(a.n):
        request_id = submit(a.api, i)
        reader, writer = await open_stream(u.hostname, u.port, request_id)
        while (event := await next_event(reader)) is not None:
            if event[0] in ("completed", "failed"):
                delays.append((event[2] - parse_time(json.loads(event[1])["completed_at"])) * 1000)
                break
        writer.close()
    print(f"RESULT n={len(delays)} completed_event_delay_p50_ms={pct(delays, .5):.1f} p99_ms={pct(delays, .99):.1f} max_ms={max(delays):.1f}")


def hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmHWM"))


async def streams(a):
    u = urllib.parse.urlsplit(a.api)
    ids = [submit(a.api, i) for i in range(a.requests)]
    before = hwm_kb(a.pid)
    opened = []
    for i in range(a.streams):
        opened.append(await open_stream(u.hostname, u.port, ids[i % len(ids)]))
    firsts = await asyncio.gather(*(next_event(r) for r, _ in opened))
    await asyncio.sleep(a.hold)
    alive = sum(1 for r, _ in opened if not r.at_eof())
    peak = hwm_kb(a.pid)
    for _, w in opened:
        w.close()
    print(f"RESULT streams={a.streams} first_events={sum(1 for f in firsts if f)} still_open_after_{a.hold}s={alive}"
          f" peak_rss_before_mb={before / 1024:.0f} peak_rss_mb={peak / 1024:.0f}")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("overhead"); o.add_argument("--fake"); o.add_argument("--ca"); o.add_argument("--service"); o.add_argument("--key")
    o.add_argument("--service-b"); o.add_argument("--key-b")
    o.add_argument("--n", type=int, default=500); o.add_argument("--warmup", type=int, default=100)
    e = sub.add_parser("events"); e.add_argument("--api"); e.add_argument("--n", type=int, default=30)
    s = sub.add_parser("streams"); s.add_argument("--api"); s.add_argument("--pid", type=int); s.add_argument("--streams", type=int, default=1000)
    s.add_argument("--requests", type=int, default=20); s.add_argument("--hold", type=int, default=10)
    a = p.parse_args()
    if a.cmd == "overhead":
        overhead(a)
    else:
        asyncio.run(events(a) if a.cmd == "events" else streams(a))


if __name__ == "__main__":
    main()
