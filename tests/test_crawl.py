"""The real spider crawls the sample web (real HTTP on 127.0.1.N) through the command line."""

from __future__ import annotations

import json
import re
from collections import Counter
from urllib.parse import urlsplit

from conftest import crawl_args, crosspost, write_sites

from dedupe.store import Store

SESSION = re.compile(r";jsessionid=[^/?#;]*")


def requested_paths(running, since: int = 0) -> list[tuple[str, str]]:
    """(host, path) of each request since `since`, without the session id a link carried."""
    return [(host, SESSION.sub("", path)) for host, path, _status in list(running.requests)[since:]]


def test_crawl_stores_every_article_once_and_nothing_else(sample_web, tmp_path):
    web, running = sample_web
    truth = web.truth.for_port(running.port)
    sites = write_sites(web, running, tmp_path / "sites.toml")
    db = tmp_path / "crawl.db"
    start = len(running.requests)
    result = crosspost(*crawl_args(running, sites, db))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr

    store = Store(db)
    stored = store.known_urls()
    expected = {page.url for page in truth.articles()}
    assert stored == expected, (
        f"missing {sorted(expected - stored)[:5]}, extra {sorted(stored - expected)[:5]}"
    )
    rows = list(store.iter_articles(("url", "site", "title", "raw_text", "text")))
    assert all(r["raw_text"] and r["text"] and r["title"] for r in rows)
    assert all(urlsplit(r["url"]).hostname.endswith(r["site"]) for r in rows)

    # robots.txt is obeyed: no disallowed URL was ever requested.
    disallowed = {(urlsplit(u).hostname, urlsplit(u).path) for u in truth.disallowed}
    fetched = {(h, p.split("?")[0]) for h, p in requested_paths(running, start)}
    assert not fetched & disallowed

    runs = list(store.db["crawl_runs"].rows)
    assert len(runs) == 1 and runs[0]["status"] == "finished"
    assert runs[0]["new_articles"] == len(expected)
    assert f"{len(expected)} new articles" in result.stdout


def test_recrawl_fetches_no_stored_article(sample_web, tmp_path):
    web, running = sample_web
    truth = web.truth.for_port(running.port)
    sites = write_sites(web, running, tmp_path / "sites.toml")
    db = tmp_path / "again.db"
    assert crosspost(*crawl_args(running, sites, db)).returncode == 0
    stored_paths = {(urlsplit(u).hostname, urlsplit(u).path) for u in Store(db).known_urls()}
    start = len(running.requests)
    result = crosspost(*crawl_args(running, sites, db))
    assert result.returncode == 0, result.stderr[-3000:]
    again = {(h, p.split("?")[0]) for h, p in requested_paths(running, start)}
    assert not again & stored_paths
    assert "0 new articles" in result.stdout
    assert len(Store(db).known_urls()) == len(truth.articles())


def test_new_articles_appear_and_only_they_are_fetched(tmp_path):
    from datetime import timedelta

    from crosspost.demo.server import serve
    from crosspost.demo.web import build_web

    web = build_web()
    earlier = web.end - timedelta(days=6)
    with serve(web, now=earlier) as running:
        truth = running.truth
        sites = write_sites(web, running, tmp_path / "sites.toml")
        db = tmp_path / "incremental.db"
        assert crosspost(*crawl_args(running, sites, db)).returncode == 0
        first = Store(db).known_urls()
        assert first == {p.url for p in truth.articles(as_of=earlier)}

        running.set_now(web.end)
        start = len(running.requests)
        result = crosspost(*crawl_args(running, sites, db))
        assert result.returncode == 0, result.stderr[-3000:]
        everything = {p.url for p in truth.articles()}
        assert len(everything) > len(first)
        assert Store(db).known_urls() == everything
        requested = {
            running.base_url(h).rstrip("/") + p for h, p in requested_paths(running, start)
        }
        assert not requested & first
        assert f"{len(everything - first)} new articles" in result.stdout


def test_a_page_that_fails_once_is_retried_after_a_pause_and_stored(sample_web, tmp_path):
    web, running = sample_web
    truth = running.truth
    article = sorted(p.url for p in truth.articles())[0]
    host, path = urlsplit(article).hostname, urlsplit(article).path
    running.fail_once(host, path, 503)
    sites = write_sites(web, running, tmp_path / "sites.toml")
    db = tmp_path / "retry.db"
    start = len(running.requests)
    result = crosspost(*crawl_args(running, sites, db, "-s", "RETRY_BACKOFF_BASE=0.3"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert article in Store(db).known_urls()
    statuses = [s for h, p, s in list(running.requests)[start:] if (h, p) == (host, path)]
    assert statuses == [503, 200]
    stats = json.loads(list(Store(db).db["crawl_runs"].rows)[0]["stats"])
    assert stats["retry/count"] == 1
    # The server asked for Retry-After: 1, longer than the 0.3 s base pause: it is obeyed.
    assert stats["crosspost/retry_backoff_seconds"] == 1.0


def test_max_pages_bounds_the_requests_to_a_site(sample_web, tmp_path):
    web, running = sample_web
    sites = write_sites(web, running, tmp_path / "sites.toml")
    first = web.sites[0].host
    text = sites.read_text()
    marker = f'url = "{running.base_url(first)}"'
    assert marker in text
    sites.write_text(text.replace(marker, marker + "\nmax_pages = 5", 1))
    start = len(running.requests)
    result = crosspost(*crawl_args(running, sites, tmp_path / "bounded.db"))
    assert result.returncode == 0, result.stderr[-3000:]
    to_first = [p for h, p in requested_paths(running, start) if h == first and p != "/robots.txt"]
    assert 0 < len(to_first) <= 5
    others = {h for h, _ in requested_paths(running, start)} - {first}
    assert len(others) == len(web.sites) - 1
    # A site cut short is not taken as crawled to its end: the next run does not stop early.
    store = Store(tmp_path / "bounded.db")
    assert store.get_meta(f"crawl_complete:{first}") == "0"
    assert store.get_meta(f"crawl_complete:{web.sites[1].host}") == "1"


def test_traps_are_bounded_and_no_page_is_fetched_twice(sample_web, tmp_path):
    """The newsrake writes a session id into every link (a new one for each visit that comes
    without one) and has an endless archive calendar; no per-site setting says so."""
    web, running = sample_web
    truth = web.truth.for_port(running.port)
    sites = write_sites(web, running, tmp_path / "sites.toml")
    db = tmp_path / "traps.db"
    start = len(running.requests)
    result = crosspost(*crawl_args(running, sites, db))
    assert result.returncode == 0, result.stderr[-3000:]
    assert ";jsessionid=" in web.response("newsrake.test", "/").body.decode()
    fetched = Counter(requested_paths(running, start))
    articles = {(urlsplit(p.url).hostname, urlsplit(p.url).path) for p in truth.articles()}
    twice = {page: n for page, n in fetched.items() if n > 1 and page in articles}
    assert not twice, f"fetched again: {sorted(twice)[:5]}"
    # The calendar's months with stories are crawled; around them, at most three empty months
    # each way (MAX_BARREN_HOPS + 1) before the crawl stops following it.
    months = [p for h, p in fetched if h == "newsrake.test" and p.startswith("/archive/")]
    with_stories = {urlsplit(u).path for u, p in truth.pages.items() if p.page_type == "archive"}
    assert with_stories <= set(months) and len(months) <= len(with_stories) + 6, sorted(months)
    assert Store(db).known_urls() == {p.url for p in truth.articles()}
