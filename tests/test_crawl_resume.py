"""A crawl killed with SIGKILL loses nothing stored, and the next run completes the work."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import crawl_args, crosspost, write_sites

from dedupe.store import Store

SLOW = [
    "-s",
    "DOWNLOAD_DELAY=0.03",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=1",
    "-s",
    "DOWNLOAD_DELAY_JITTER=0",
]


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


def test_kill_9_midway_then_resume_equals_uninterrupted(sample_web, tmp_path):
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

    clean_db = tmp_path / "clean.db"
    assert crosspost(*crawl_args(running, sites, clean_db)).returncode == 0
    assert snapshot(killed_db) == snapshot(clean_db)
    assert len(snapshot(clean_db)) == total
