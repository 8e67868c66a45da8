"""Shared fixtures: the sample web served on loopback, and running the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crosspost.demo.server import serve
from crosspost.demo.web import build_web

FAST = [
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=False",
    "-s",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
]


def crosspost(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the command line in a fresh process, as a user or cron would."""
    return subprocess.run(
        [sys.executable, "-m", "crosspost", *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def sample_web():
    web = build_web()
    with serve(web) as running:
        yield web, running


def write_sites(web, running, path: Path) -> Path:
    web.write_sites_toml(path, {host: running.base_url(host) for host in running.hosts})
    return path


def crawl_args(running, sites: Path, db: Path, *extra: str) -> list[str]:
    return [
        "crawl",
        str(sites),
        "--db",
        str(db),
        *FAST,
        "-s",
        f"CROSSPOST_HOSTS={json.dumps(running.hosts)}",
        *extra,
    ]


@pytest.fixture(scope="session")
def crawled_web(tmp_path_factory):
    """The sample web crawled with the real spider and clustered, once per test session.

    Yields (running web, truth bound to its port, path of the database).
    """
    web = build_web()
    db = tmp_path_factory.mktemp("crawled") / "web.db"
    with serve(web) as running:
        sites = write_sites(web, running, db.parent / "sites.toml")
        crawled = crosspost(*crawl_args(running, sites, db))
        assert crawled.returncode == 0, crawled.stderr[-3000:]
        clustered = crosspost("cluster", "--db", str(db))
        assert clustered.returncode == 0, clustered.stderr[-3000:]
        yield running, running.truth, db


@pytest.fixture
def redis_url():
    """A fresh redis-server of this test's own on a loopback port; its redis:// URL."""
    from redis_server import REDIS_SERVER, redis_server

    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (make test installs Debian's redis-server)")
    with redis_server() as url:
        yield url
