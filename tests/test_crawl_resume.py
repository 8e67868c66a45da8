"""A crawl killed with SIGKILL loses nothing stored, and the next run completes the work."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FAST, crawl_args, crosspost, write_sites

from dedupe.store import Store

SLOW = [
    "-s",
    "DOWNLOAD_DELAY=0.03",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    "-s",
    "DOWNLOAD_DELAY_JITTER=0",
]

# A small site needs no pool of extraction workers (spawning one costs more than the work).
ONE_WORKER = ["-s", "CROSSPOST_EXTRACT_WORKERS=0"]


def stored_count(db) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    except sqlite3.Error:
        return 0


def children(pid: int) -> set[int]:
    """Child process ids of `pid` (Linux /proc)."""
    listed = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return {int(child) for child in listed.split()}


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, dead but not yet reaped by init, counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return False


def snapshot(db) -> set[tuple]:
    store = Store(db)
    return {
        (r["url"], r["site"], r["title"], r["published"], r["raw_text"], r["text"])
        for r in store.iter_articles()
    }


@pytest.fixture(scope="module")
def clean_crawl(sample_web, tmp_path_factory):
    """The sample web crawled once, never killed: (sites.toml, snapshot of its articles)."""
    web, running = sample_web
    folder = tmp_path_factory.mktemp("clean")
    sites = write_sites(web, running, folder / "sites.toml")
    assert crosspost(*crawl_args(running, sites, folder / "clean.db")).returncode == 0
    return sites, snapshot(folder / "clean.db")


def test_kill_9_midway_then_resume_equals_uninterrupted(sample_web, clean_crawl, tmp_path):
    web, running = sample_web
    sites = write_sites(web, running, tmp_path / "sites.toml")
    total = len(running.truth.articles())

    killed_db = tmp_path / "killed.db"
    args = crawl_args(running, sites, killed_db, *SLOW)
    process = subprocess.Popen(
        [sys.executable, "-m", "crosspost", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while stored_count(killed_db) < total // 3 and time.monotonic() < deadline:
        assert process.poll() is None, "the crawl ended before it could be killed"
        time.sleep(0.1)
    workers = children(process.pid)  # the extraction pool
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    at_kill = stored_count(killed_db)
    assert 0 < at_kill < total
    assert workers, "the crawl ran no extraction workers"
    while workers and time.monotonic() < deadline:  # orphans leave by themselves
        workers = {pid for pid in workers if alive(pid)}
        time.sleep(0.05)
    assert not workers, f"extraction workers outlived the killed crawl: {workers}"

    resumed = crosspost(*crawl_args(running, sites, killed_db))
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    runs = list(Store(killed_db).db["crawl_runs"].rows)
    assert [r["status"] for r in runs] == ["interrupted", "finished"]

    assert snapshot(killed_db) == clean_crawl[1]
    assert len(clean_crawl[1]) == total


def crawl_killed_at(args: list[str], db, articles: int) -> int:
    """Run a crawl and kill -9 it once the database holds `articles` articles; returns how many
    it held when it died."""
    process = subprocess.Popen(
        [sys.executable, "-m", "crosspost", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while stored_count(db) < articles and time.monotonic() < deadline:
        assert process.poll() is None, f"the crawl ended before {articles} articles"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return stored_count(db)


def test_kill_9_at_several_moments_then_resume_equals_a_clean_crawl(
    sample_web, clean_crawl, tmp_path
):
    """Killed after a sixth and after five sixths of the articles were stored (and a third, in
    the test above), each crawl ends, after one more run, with exactly the articles (and texts)
    of a crawl never killed."""
    web, running = sample_web
    sites, clean = clean_crawl
    total = len(running.truth.articles())
    for sixths in (1, 5):
        db = tmp_path / f"killed-{sixths}.db"
        at_kill = crawl_killed_at(crawl_args(running, sites, db, *SLOW), db, total * sixths // 6)
        assert at_kill < total, "killed too late to matter"
        resumed = crosspost(*crawl_args(running, sites, db))
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        got = snapshot(db)
        missing = {r[0] for r in clean} - {r[0] for r in got}
        assert got == clean, f"killed at {at_kill}: missing {sorted(missing)[:5]}"


def test_kill_9_during_a_recrawl_then_resume_equals_a_clean_recrawl(tmp_path):
    """A scheduled re-crawl (the previous one finished) killed midway: the next run still finds
    every new article, pagination included, and fetches no stored one again."""
    from datetime import timedelta

    from crosspost.demo.server import serve
    from crosspost.demo.web import build_web

    web = build_web()
    earlier = web.end - timedelta(days=6)
    with serve(web, now=earlier) as running:
        sites = write_sites(web, running, tmp_path / "sites.toml")
        killed, clean = tmp_path / "killed.db", tmp_path / "clean.db"
        assert crosspost(*crawl_args(running, sites, clean)).returncode == 0
        with sqlite3.connect(clean) as source, sqlite3.connect(killed) as copy:
            source.backup(copy)  # the same first crawl, finished
        first = stored_count(clean)
        running.set_now(web.end)
        assert crosspost(*crawl_args(running, sites, clean)).returncode == 0
        new = stored_count(clean) - first
        assert new > 10
        at_kill = crawl_killed_at(
            crawl_args(running, sites, killed, *SLOW), killed, first + new // 3
        )
        assert at_kill < first + new
        before = Store(killed).known_urls()
        start = len(running.requests)
        resumed = crosspost(*crawl_args(running, sites, killed))
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        assert snapshot(killed) == snapshot(clean)
        again = {
            running.truth.url(host, path.split(";")[0].split("?")[0])
            for host, path, _ in list(running.requests)[start:]
        }
        assert not again & before


def chain_site(stories: int):
    """A blog whose home page shows only its newest story and each story links the one before:
    older stories are reachable through stored articles only."""
    import threading
    from html import escape
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from crosspost.demo.writer import Writer

    writer = Writer(5)
    drafts = [writer.news("The Chain Gazette") for _ in range(stories)]

    def story(i: int) -> bytes:
        d = drafts[i]
        older = (
            f'<p class="nav-prev">Previous story: <a href="/story/{i + 1}/">'
            f"{escape(drafts[i + 1].title)}</a></p>"
            if i + 1 < stories
            else ""
        )
        body = "".join(f"<p>{escape(p)}</p>" for p in d.paragraphs)
        return (
            f"<html><head><title>{escape(d.title)}</title>"
            '<meta property="og:type" content="article"></head><body>'
            f"<article><h1>{escape(d.title)}</h1><p>By {escape(d.author)} "
            f'<time datetime="2026-11-{28 - i % 27:02d}">Nov {28 - i % 27}</time></p>'
            f"{body}</article>{older}</body></html>"
        ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            parts = self.path.strip("/").split("/")
            if self.path == "/":
                newest = escape(drafts[0].title)
                body, status = f'<html><body><a href="/story/0/">{newest}</a></body></html>', 200
                body = body.encode()
            elif len(parts) == 2 and parts[0] == "story" and parts[1].isdigit():
                body, status = (
                    (story(int(parts[1])), 200) if int(parts[1]) < stories else (b"", 404)
                )
            else:
                body, status = b"not here", 404
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_kill_9_cannot_cut_discovery_behind_stored_articles(tmp_path):
    """Stored articles are never fetched again, so what they led to is kept in the frontier:
    a chain of stories each linked only from the next newer one survives a kill."""
    stories = 16
    server = chain_site(stories)
    try:
        sites = tmp_path / "sites.toml"
        sites.write_text(
            f'[[sites]]\nname = "Chain"\nurl = "http://127.0.0.1:{server.server_port}/"\n'
        )
        db = tmp_path / "chain.db"
        args = [
            "crawl",
            str(sites),
            "--db",
            str(db),
            *SLOW,
            "-s",
            "DOWNLOAD_DELAY=0.05",
            *ONE_WORKER,
        ]
        at_kill = crawl_killed_at(args, db, 5)
        assert at_kill < stories - 1
        resumed = crosspost("crawl", str(sites), "--db", str(db), *FAST, *ONE_WORKER)
        assert resumed.returncode == 0, resumed.stderr[-2000:]
        store = Store(db)
        assert store.article_count() == stories
        assert store.frontier("127.0.0.1") == []  # a finished crawl leaves no frontier
    finally:
        server.shutdown()
