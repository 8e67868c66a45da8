"""One crawl on several processes: a writer and workers on a shared Redis frontier (real
redis-server, real processes, the sample web on 127.0.1.N), against a one-process crawl."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import redis
from conftest import FAST, crawl_args, crosspost, write_sites

from crosspost.demo.server import serve
from crosspost.demo.web import build_web
from dedupe.store import Store

# Leases run out fast here, so that a killed worker's pages come back within the test.
SHARED = ["-s", "CROSSPOST_EXTRACT_WORKERS=0", "-s", "CROSSPOST_LEASE_SECONDS=3"]
SLOW = ["-s", "DOWNLOAD_DELAY=0.03", "-s", "DOWNLOAD_DELAY_JITTER=0"]


def settings(running, *extra: str) -> list[str]:
    return [*FAST, *SHARED, "-s", f"CROSSPOST_HOSTS={json.dumps(running.hosts)}", *extra]


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "crosspost", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def writer(running, sites, db, url, *extra: str, command: str = "crawl") -> subprocess.Popen:
    return start(
        command, str(sites), "--db", str(db), "--frontier", url, *settings(running, *extra)
    )


def worker(running, sites, url, name: str, *extra: str) -> subprocess.Popen:
    return start(
        "worker",
        str(sites),
        "--frontier",
        url,
        "--wait",
        "60",
        *settings(running, "-s", f"CROSSPOST_PROCESS_NAME={name}", *extra),
    )


def finished(process: subprocess.Popen, timeout: float = 120) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    assert "Traceback" not in err
    return out


def wait_until_waiting(url: str, workers: int, timeout: float = 60) -> None:
    """Until `workers` workers are connected to Redis (waiting for a run)."""
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + timeout
    while len(client.client_list()) < workers + 1:  # and this client
        assert time.monotonic() < deadline, "the workers did not start"
        time.sleep(0.05)


def snapshot(db) -> set[tuple]:
    return {
        (r["url"], r["site"], r["title"], r["published"], r["raw_text"], r["text"])
        for r in Store(db).iter_articles()
    }


def requested(running, since: int) -> list[tuple[str, str]]:
    return [(host, path) for host, path, _status in list(running.requests)[since:]]


def load(url: str) -> dict[str, int]:
    client = redis.Redis.from_url(url)
    return {k.decode(): int(v) for k, v in client.hgetall("crosspost:load").items()}


@pytest.fixture(scope="module")
def sample_web():
    """The sample web at its smallest (12 pieces, 47 articles): every case here shows on it, and
    a crawl by three processes takes seconds."""
    with serve(build_web(pieces=12)) as running:
        yield running.web, running


@pytest.fixture(scope="module")
def one_process(sample_web, tmp_path_factory):
    """The sample web crawled by one process: (sites.toml, snapshot of its articles)."""
    web, running = sample_web
    folder = tmp_path_factory.mktemp("one-process")
    sites = write_sites(web, running, folder / "sites.toml")
    result = crosspost(*crawl_args(running, sites, folder / "one.db", *SHARED))
    assert result.returncode == 0, result.stderr[-3000:]
    return sites, snapshot(folder / "one.db")


def test_a_writer_and_two_workers_store_what_one_process_stores(
    sample_web, one_process, redis_url, tmp_path
):
    web, running = sample_web
    sites, alone = one_process
    truth = running.truth
    db = tmp_path / "shared.db"
    since = len(running.requests)
    # The workers first: they wait for the writer's run, and take part from its start.
    processes = [worker(running, sites, redis_url, f"worker-{n}") for n in (1, 2)]
    wait_until_waiting(redis_url, 2)
    processes.append(writer(running, sites, db, redis_url))
    outputs = [finished(process) for process in reversed(processes)]

    assert snapshot(db) == alone
    assert len(alone) == len(truth.articles())
    assert f"{len(alone)} new articles" in outputs[0]
    # Each page was requested once over the three processes (robots.txt: once by each process's
    # robots.txt middleware, and once by the spider for its sitemaps).
    fetched = Counter(requested(running, since))
    twice = {page: n for page, n in fetched.items() if n > 1 and page[1] != "/robots.txt"}
    assert redis.Redis.from_url(redis_url).get("crosspost:requeued") is None  # no lease ran out
    assert not twice, sorted(twice)[:5]
    disallowed = {(urlsplit(u).hostname, urlsplit(u).path) for u in truth.disallowed}
    refused = {(h, p.split("?")[0]) for h, p in fetched} & disallowed
    assert not refused, refused
    # The load was shared, and every response was counted by the process that received it.
    split = load(redis_url)
    assert split.get("worker-1") and split.get("worker-2"), split
    assert sum(split.values()) == sum(fetched.values())
    runs = list(Store(db).db["crawl_runs"].rows)
    assert [r["status"] for r in runs] == ["finished"]


def test_a_sites_request_rate_over_all_processes_stays_within_the_delay(
    sample_web, redis_url, tmp_path
):
    web, running = sample_web
    sites = write_sites(web, running, tmp_path / "sites.toml")
    # One site is enough to see it, and keeps the test short.
    tables = sites.read_text().split("[[sites]]")[1:]
    sites.write_text("[[sites]]" + tables[1])
    hosts = {
        urlsplit(line.split('"')[1]).hostname
        for line in sites.read_text().splitlines()
        if line.startswith("url =")
    }
    arrivals: dict[str, list[float]] = defaultdict(list)
    answer = running._answer
    lock = threading.Lock()

    def timed(host, path):
        with lock:
            arrivals[host].append(time.monotonic())
        return answer(host, path)

    running._answer = timed
    delay = 0.12
    polite = ["-s", f"DOWNLOAD_DELAY={delay}", "-s", "DOWNLOAD_DELAY_JITTER=0"]
    try:
        processes = [worker(running, sites, redis_url, f"w{n}", *polite) for n in (1, 2)]
        wait_until_waiting(redis_url, 2)
        processes.append(writer(running, sites, tmp_path / "polite.db", redis_url, *polite))
        for process in processes:
            finished(process)
    finally:
        del running._answer
    assert set(arrivals) == hosts
    for host, times in arrivals.items():
        assert len(times) > 10
        # Measured where requests arrive, on a busy machine: one arrival may be late by tens of
        # milliseconds (the processes take the slot a full delay apart). Three processes, each
        # keeping only its own delay, would send several requests within one delay.
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert min(gaps) >= delay * 0.3, (host, sorted(gaps)[:5])
        spans = [b - a for a, b in zip(times, times[5:], strict=False)]
        assert min(spans) >= 5 * delay * 0.85, (host, sorted(spans)[:5])
    # Several processes fetched from the site (one takes up to CONCURRENT_REQUESTS ahead, so
    # on a site this small the third may find nothing left).
    assert len([n for n in load(redis_url).values() if n]) >= 2, load(redis_url)


def test_kill_9_of_a_worker_midway_loses_no_page(sample_web, one_process, redis_url, tmp_path):
    web, running = sample_web
    sites, alone = one_process
    db = tmp_path / "worker-killed.db"
    main = writer(running, sites, db, redis_url, *SLOW)
    victim = worker(running, sites, redis_url, "victim", *SLOW)
    other = worker(running, sites, redis_url, "other", *SLOW)
    deadline = time.monotonic() + 60
    while load(redis_url).get("victim", 0) < 15 and time.monotonic() < deadline:
        assert victim.poll() is None, "the worker ended before it could be killed"
        time.sleep(0.05)
    held = redis.Redis.from_url(redis_url).hlen("crosspost:leased")
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate()
    finished(main)
    finished(other)
    assert held > 0, "nothing was leased when the worker died"
    assert snapshot(db) == alone
    assert int(redis.Redis.from_url(redis_url).get("crosspost:given-up") or 0) == 0


def test_kill_9_of_the_writer_midway_then_restarted_stores_everything(
    sample_web, one_process, redis_url, tmp_path
):
    web, running = sample_web
    sites, alone = one_process
    db = tmp_path / "writer-killed.db"
    main = writer(running, sites, db, redis_url, *SLOW)
    workers = [worker(running, sites, redis_url, f"w{n}", *SLOW) for n in (1, 2)]
    deadline = time.monotonic() + 60
    while _stored(db) < len(alone) // 3 and time.monotonic() < deadline:
        assert main.poll() is None, "the writer ended before it could be killed"
        time.sleep(0.05)
    os.kill(main.pid, signal.SIGKILL)
    main.communicate()
    at_kill = _stored(db)
    assert 0 < at_kill < len(alone)
    time.sleep(1)  # the workers go on meanwhile; what they find waits in Redis
    restarted = writer(running, sites, db, redis_url)
    out = finished(restarted)
    for process in workers:
        finished(process)
    assert snapshot(db) == alone
    assert f"{len(alone) - at_kill} new articles" in out


def _stored(db) -> int:
    import sqlite3

    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_a_second_distributed_run_requests_only_the_new_articles(redis_url, tmp_path):
    web = build_web(pieces=12)
    earlier = web.end - timedelta(days=6)
    with serve(web, now=earlier) as running:
        truth = running.truth
        sites = write_sites(web, running, tmp_path / "sites.toml")
        db = tmp_path / "incremental.db"
        first_run = [writer(running, sites, db, redis_url), worker(running, sites, redis_url, "a")]
        for process in first_run:
            finished(process)
        first = Store(db).known_urls()
        assert first == {p.url for p in truth.articles(as_of=earlier)}

        running.set_now(web.end)
        since = len(running.requests)
        # `run`: the same crawl, then clustering.
        second_run = [
            writer(running, sites, db, redis_url, command="run"),
            worker(running, sites, redis_url, "b"),
        ]
        out = finished(second_run[0])
        finished(second_run[1])
        everything = {p.url for p in truth.articles()}
        assert len(everything) > len(first)
        assert Store(db).known_urls() == everything
        again = {running.base_url(h).rstrip("/") + p for h, p in requested(running, since)}
        assert not again & first
        assert f"{len(everything - first)} new articles" in out
        assert Store(db).db["clusters"].count > 0


def test_redis_unreachable_is_one_line_and_exit_2(sample_web, tmp_path):
    web, running = sample_web
    sites = write_sites(web, running, tmp_path / "sites.toml")
    nowhere = "redis://127.0.0.1:1/0"
    for args in (
        ["crawl", str(sites), "--db", str(tmp_path / "x.db"), "--frontier", nowhere],
        ["worker", str(sites), "--frontier", "http://127.0.0.1:6379/"],
        ["worker", str(sites), "--frontier", nowhere, "-s", "CROSSPOST_LEASE_SECONDS=0"],
    ):
        result = crosspost(*args)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("crosspost: error: "), result.stderr


def test_a_worker_with_another_sites_file_and_a_second_writer_are_refused(
    sample_web, redis_url, tmp_path
):
    web, running = sample_web
    sites = write_sites(web, running, tmp_path / "sites.toml")
    slow = ["-s", "DOWNLOAD_DELAY=0.3"]  # still crawling while the others are refused
    main = writer(running, sites, tmp_path / "w.db", redis_url, *slow)
    other = tmp_path / "other.toml"
    other.write_text("[[sites]]" + sites.read_text().split("[[sites]]")[1])
    try:
        deadline = time.monotonic() + 30
        while redis.Redis.from_url(redis_url).get("crosspost:run") != b"running":
            assert time.monotonic() < deadline and main.poll() is None, "the writer did not start"
            time.sleep(0.05)
        refused = crosspost("worker", str(other), "--frontier", redis_url, "--wait", "30")
        second = crosspost(
            *crawl_args(running, sites, tmp_path / "second.db", "--frontier", redis_url, *SHARED)
        )
        assert main.poll() is None, "the writer ended before the others were refused"
    finally:
        main.kill()
        main.communicate()
    assert refused.returncode == 2, refused.stderr
    assert "not the one the writer crawls" in refused.stderr
    assert second.returncode == 2, second.stderr
    assert "one writer per frontier" in second.stderr
    for result in (refused, second):
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_requests_that_wait_for_robots_txt_obey_it(sample_web, tmp_path):
    """One process: the sites file names disallowed feeds, requested while robots.txt is still
    on its way (Scrapy 2.19 gave its verdict to the first waiting request only)."""
    web, running = sample_web
    sites = write_sites(web, running, tmp_path / "sites.toml")
    host = "millbrook-dispatch.test"
    marker = f'url = "{running.base_url(host)}"'
    text = sites.read_text()
    assert marker in text
    feeds = '\nfeeds = ["/search?q=latest", "/private/subscriber-login", "/private/feed.xml"]'
    (table,) = [t for t in text.split("[[sites]]") if marker in t]  # this site alone: quicker
    sites.write_text("[[sites]]" + table.replace(marker, marker + feeds, 1))
    since = len(running.requests)
    result = crosspost(*crawl_args(running, sites, tmp_path / "robots.db", *SHARED))
    assert result.returncode == 0, result.stderr[-3000:]
    to_host = [path for h, path in requested(running, since) if h == host]
    assert "/robots.txt" in to_host
    refused = [p for p in to_host if p.startswith(("/search", "/private/"))]
    assert not refused, refused


def test_redis_lost_midway_stops_every_process_with_one_line(sample_web, tmp_path):
    from redis_server import REDIS_SERVER, free_port

    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (make test installs Debian's redis-server)")
    web, running = sample_web
    sites = write_sites(web, running, tmp_path / "sites.toml")
    port = free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        processes = [writer(running, sites, tmp_path / "lost.db", url, *SLOW)]
        processes.append(worker(running, sites, url, "w", *SLOW))
        deadline = time.monotonic() + 60
        while load(url).get("w", 0) < 10 and time.monotonic() < deadline:  # both are crawling
            assert all(process.poll() is None for process in processes)
            time.sleep(0.05)
    finally:
        server.kill()
        server.wait()
    for process in processes:
        _out, err = process.communicate(timeout=60)
        assert process.returncode == 1, err
        assert "Traceback" not in err
        assert err.strip().splitlines()[-1].startswith("crosspost: error: the frontier failed")
    assert Store(tmp_path / "lost.db").db["crawl_runs"].count == 1
