"""`crosspost serve` on a large database: the flows page, site_flows, and 20 clients at once.

    .venv/bin/python bench/serve.py                          # 50,000 articles, 40 sites
    .venv/bin/python bench/serve.py --articles 100000 --db /tmp/serve100k.db
    .venv/bin/python bench/serve.py --clients 20 --seconds 30 --rebuild

Builds (or reuses) a database of generated articles the way a user would (`crosspost import` of
a JSON-lines corpus from bench/dedupe.py's generator, then `crosspost cluster`), times the
site_flows query in sqlite3, starts `crosspost serve` in its own process, times the flows page
and the site_flows table, then runs `--clients` threads for `--seconds` over a mix of pages
(database, tables, canned queries, search, cluster and flows pages, row pages) and prints
requests per second, p50/p95 latency and errors, per page and in all, with the server's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dedupe import generate  # noqa: E402

CROSSPOST = [sys.executable, "-m", "crosspost"]


def _run(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start


def _article_count(db: Path) -> int | None:
    if not db.is_file():
        return None
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return None
    finally:
        conn.close()


def build(db: Path, articles: int, sites: int, seed: int, rebuild: bool) -> None:
    """A clustered database of `articles` generated articles, reused when it is already there."""
    if not rebuild and _article_count(db) == articles:
        # a cluster run with nothing new: migrates a database made by an older crosspost
        clustered = _run([*CROSSPOST, "cluster", "--db", str(db)])
        print(f"reusing {db} ({articles:,} articles); cluster with nothing new: {clustered:.1f}s")
        return
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    corpus = db.with_suffix(".jsonl")
    with corpus.open("w", encoding="utf-8") as out:
        for record in generate(articles, seed, sites=sites):
            record.pop("piece")
            out.write(json.dumps(record) + "\n")
    imported = _run([*CROSSPOST, "import", str(corpus), "--db", str(db)])
    corpus.unlink()
    clustered = _run([*CROSSPOST, "cluster", "--db", str(db)])
    print(f"built {db}: import {imported:.1f}s, cluster {clustered:.1f}s", flush=True)


def time_site_flows(db: Path) -> tuple[float, int]:
    """Seconds to read all of site_flows in sqlite3 (read-only, as Datasette does)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    start = time.perf_counter()
    rows = conn.execute("SELECT * FROM site_flows").fetchall()
    seconds = time.perf_counter() - start
    conn.close()
    return seconds, len(rows)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(db: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [*CROSSPOST, "serve", str(db), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"crosspost serve exited: {server.stderr.read()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/-/versions.json", timeout=5).is_success:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("crosspost serve did not answer within 60 s")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_get(client: httpx.Client, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    response = client.get(path)
    return time.perf_counter() - start, response.status_code


def page_mix(db: Path) -> list[tuple[str, str]]:
    """(name, path) of the pages the clients request, with ids taken from the database."""
    name = db.stem
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    clusters = [r[0] for r in conn.execute("SELECT id FROM clusters ORDER BY random() LIMIT 50")]
    articles = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY random() LIMIT 50")]
    word = conn.execute("SELECT title FROM articles LIMIT 1").fetchone()[0].split()[0]
    conn.close()
    mix = [
        ("home", "/"),
        ("database", f"/{name}"),
        ("articles", f"/{name}/articles"),
        ("clusters", f"/{name}/clusters"),
        ("largest_clusters", f"/{name}/largest_clusters"),
        ("site_flows", f"/{name}/site_flows"),
        ("site_flows.json", f"/{name}/site_flows.json?_shape=array&_size=max"),
        ("flows page", "/-/crosspost/flows"),
        ("search", f"/{name}/articles?_search={word}"),
    ]
    mix += [("cluster page", f"/-/crosspost/cluster/{c}") for c in clusters[:10]]
    mix += [("article row", f"/{name}/articles/{a}") for a in articles[:10]]
    return mix


def load(base: str, mix: list[tuple[str, str]], clients: int, seconds: float) -> dict:
    """`clients` threads requesting random pages of the mix for `seconds`."""
    results: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=120) as http:
            while time.monotonic() < stop:
                name, path = rng.choice(mix)
                try:
                    took, status = timed_get(http, path)
                    problem = None if status == 200 else f"HTTP {status} {path}"
                except httpx.HTTPError as err:
                    took, problem = float("nan"), f"{type(err).__name__} {path}"
                with lock:
                    if problem:
                        errors[name].append(problem)
                    else:
                        results[name].append(took)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"elapsed": time.perf_counter() - started, "results": results, "errors": errors}


def _quantiles(times: list[float]) -> tuple[float, float]:
    if len(times) < 2:
        return (times[0], times[0]) if times else (float("nan"), float("nan"))
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return statistics.median(times), cuts[18]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--sites", type=int, default=40, help="sites in the generated corpus")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--db", type=Path, default=Path("/tmp/crosspost-serve-bench.db"))
    parser.add_argument("--rebuild", action="store_true", help="build the database again")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args(argv)

    build(args.db, args.articles, args.sites, args.seed, args.rebuild)
    seconds, pairs = time_site_flows(args.db)
    print(f"site_flows in sqlite3: {seconds:.3f}s ({pairs:,} site pairs)", flush=True)

    port = _free_port()
    server = start_server(args.db, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=600) as http:
            for name, path in (
                ("flows page", "/-/crosspost/flows"),
                ("site_flows table", f"/{args.db.stem}/site_flows"),
                ("site_flows.json", f"/{args.db.stem}/site_flows.json?_shape=array&_size=max"),
                ("flows page again", "/-/crosspost/flows"),
                ("flows.gexf", "/-/crosspost/flows.gexf"),
                ("flows.gexf again", "/-/crosspost/flows.gexf"),
            ):
                took, status = timed_get(http, path)
                print(f"{name:18} HTTP {status} in {took:.3f}s", flush=True)
        mix = page_mix(args.db)
        print(
            f"{args.clients} clients for {args.seconds:.0f}s over {len(mix)} pages ...", flush=True
        )
        run = load(base, mix, args.clients, args.seconds)
    finally:
        rss = peak_rss_mb(server.pid)
        server.terminate()
        server.wait(timeout=30)

    results, errors = run["results"], run["errors"]
    every = [t for times in results.values() for t in times]
    failed = sum(len(e) for e in errors.values())
    print(f"{'page':18} {'requests':>8} {'p50 s':>7} {'p95 s':>7} {'errors':>6}")
    for name in dict.fromkeys(name for name, _ in mix):
        p50, p95 = _quantiles(results.get(name, []))
        count = len(results.get(name, []))
        print(f"{name:18} {count:8d} {p50:7.3f} {p95:7.3f} {len(errors.get(name, [])):6d}")
    p50, p95 = _quantiles(every)
    print(
        f"all: {len(every) / run['elapsed']:.1f} requests/s, p50 {p50:.3f}s, p95 {p95:.3f}s, "
        f"{failed} errors; server peak RSS {rss:.0f} MB; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other work included)"
    )
    for problems in errors.values():
        for problem in sorted(set(problems))[:3]:
            print(f"  error: {problem}")


if __name__ == "__main__":
    main()
