"""Crawl throughput on the local sample web, politeness off: pages per second, and what bounds it.

    .venv/bin/python bench/crawl.py [--pieces 200]
    .venv/bin/python bench/crawl.py --workers 1,2,3   # the distributed crawl (needs redis-server)

Serves a generated sample web (crosspost.demo) on 127.0.1.N and runs, each in a fresh process
(Twisted's reactor starts once per process), the real `crosspost crawl` with:

  full         crawl + extract + store (the product)
  fetch-only   the same spider with the article pipeline switched off (fetching and link parsing)

then times extraction alone in this process over the same article pages, and prints the three side
by side. The difference between the first two is what extraction and storage cost inside the
crawl; extraction alone shows how much of that is CPU in trafilatura/htmldate/lxml.

With --workers N,M,...: for each N, a fresh redis-server, the writer (`crawl --frontier`) and N
`crosspost worker` processes on this machine; pages/s over them all and how the pages split.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crosspost.demo.server import serve  # noqa: E402
from crosspost.demo.web import build_web  # noqa: E402
from dedupe.boilerplate import load_patterns, strip  # noqa: E402
from dedupe.text import extract  # noqa: E402

FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
}


def crawl(running, sites: Path, db: Path, extra: dict[str, str]) -> tuple[float, dict]:
    settings = {**FAST, "CROSSPOST_HOSTS": json.dumps(running.hosts), **extra}
    args = [sys.executable, "-m", "crosspost", "crawl", str(sites), "--db", str(db)]
    for name, value in settings.items():
        args += ["-s", f"{name}={value}"]
    start = time.perf_counter()
    cpu_before = _children_cpu()
    result = subprocess.run(args, capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - start
    cpu = _children_cpu() - cpu_before
    if result.returncode != 0:
        sys.exit(f"crawl failed:\n{result.stderr[-2000:]}")
    import sqlite3

    with sqlite3.connect(db) as conn:
        stats = json.loads(conn.execute("SELECT stats FROM crawl_runs").fetchone()[0])
    return seconds, cpu, stats


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def distributed(running, sites: Path, work: Path, workers: int) -> tuple[float, int, int, dict]:
    """The writer and `workers` workers crawl the web through a fresh redis-server: (seconds,
    pages, articles stored, pages per process)."""
    import redis

    sys.path.insert(0, str(ROOT / "tests"))
    from redis_server import redis_server

    settings = {**FAST, "CROSSPOST_HOSTS": json.dumps(running.hosts)}
    flags = [arg for name, value in settings.items() for arg in ("-s", f"{name}={value}")]
    db = work / f"distributed-{workers}.db"
    crosspost = [sys.executable, "-m", "crosspost"]
    with redis_server() as url:
        start = time.perf_counter()
        processes = [
            subprocess.Popen(
                [*crosspost, "crawl", str(sites), "--db", str(db), "--frontier", url, *flags]
                + ["-s", "CROSSPOST_PROCESS_NAME=writer"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        ]
        for n in range(1, workers + 1):
            processes.append(
                subprocess.Popen(
                    [*crosspost, "worker", str(sites), "--frontier", url, *flags]
                    + ["-s", f"CROSSPOST_PROCESS_NAME=worker-{n}"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        for process in processes:
            _, err = process.communicate(timeout=1800)
            if process.returncode != 0:
                sys.exit(f"distributed crawl failed:\n{err[-2000:]}")
        seconds = time.perf_counter() - start
        client = redis.Redis.from_url(url)
        split = {k.decode(): int(v) for k, v in client.hgetall("crosspost:load").items()}
    import sqlite3

    with sqlite3.connect(db) as conn:
        articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    return seconds, sum(split.values()), articles, split


def bench_workers(web, counts: list[int]) -> None:
    work = Path(tempfile.mkdtemp(prefix="crosspost-bench-"))
    rows = []
    with serve(web) as running:
        sites = work / "sites.toml"
        web.write_sites_toml(sites, {h: running.base_url(h) for h in running.hosts})
        seconds, _cpu, stats = crawl(running, sites, work / "alone.db", {})
        pages = stats.get("response_received_count", 0)
        rows.append(("one process", pages, stats.get("crosspost/articles_stored", 0), seconds, ""))
        for count in counts:
            seconds, pages, articles, split = distributed(running, sites, work, count)
            shares = ", ".join(f"{name} {n}" for name, n in sorted(split.items()))
            rows.append((f"writer + {count}", pages, articles, seconds, shares))
    print(f"sample web: {len(web.sites)} sites, politeness off, {os.cpu_count()} cores")
    print(
        f"{'processes':<14}{'pages':>8}{'articles':>10}{'seconds':>10}{'pages/s':>10}  pages by process"
    )
    for name, pages, articles, seconds, shares in rows:
        print(
            f"{name:<14}{pages:>8}{articles:>10}{seconds:>10.1f}{pages / seconds:>10.1f}  {shares}"
        )
    print("(each run includes the processes' start-up, about 1-2 s; all processes on this machine)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pieces", type=int, default=200, help="pieces in the sample web")
    parser.add_argument(
        "--workers", metavar="N,M", help="time the distributed crawl with N, M ... workers"
    )
    args = parser.parse_args()
    web = build_web(pieces=args.pieces)
    if args.workers:
        try:
            counts = [int(n) for n in args.workers.split(",")]
        except ValueError:
            parser.error("--workers takes numbers separated by commas, e.g. 1,2,3")
        bench_workers(web, counts)
        return
    work = Path(tempfile.mkdtemp(prefix="crosspost-bench-"))
    rows = []
    with serve(web) as running:
        sites = work / "sites.toml"
        web.write_sites_toml(sites, {h: running.base_url(h) for h in running.hosts})
        for name, extra in (("full", {}), ("fetch-only", {"ITEM_PIPELINES": "{}"})):
            seconds, cpu, stats = crawl(running, sites, work / f"{name}.db", extra)
            pages = stats.get("response_received_count", 0)
            rows.append((name, pages, stats.get("crosspost/articles_stored", 0), seconds, cpu))
        articles = running.truth.articles()
        bodies = []
        for page in articles:
            parts = urlsplit(page.url)
            response = web.response(parts.hostname, parts.path, port=running.port)
            bodies.append((response.body, page.url))
    patterns = load_patterns()
    start, cpu_start = time.perf_counter(), time.process_time()
    for body, url in bodies:
        strip(extract(body, url)["raw_text"], patterns)
    rows.append(
        (
            "extract-only",
            len(bodies),
            len(bodies),
            time.perf_counter() - start,
            time.process_time() - cpu_start,
        )
    )

    print(f"sample web: {len(web.sites)} sites, {len(articles)} articles, politeness off")
    print(
        f"{'run':<14}{'pages':>8}{'articles':>10}{'seconds':>10}{'cpu s':>8}{'pages/s':>10}"
        f"{'pages/cpu s':>13}"
    )
    for name, pages, stored, seconds, cpu in rows:
        print(
            f"{name:<14}{pages:>8}{stored:>10}{seconds:>10.1f}{cpu:>8.1f}{pages / seconds:>10.1f}"
            f"{pages / cpu:>13.1f}"
        )
    print(
        "(crawl runs include the process start-up, about 1 s, and their cpu s every process of"
        " the crawl; extract-only is one core: its pages/cpu s is extraction's own speed)"
    )


if __name__ == "__main__":
    main()
