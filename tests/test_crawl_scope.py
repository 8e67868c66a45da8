"""The crawl stays on the sites it was given, and reads robots.txt as RFC 9309 says.

Real servers on loopback: a site (scope.test) whose pages redirect elsewhere, a host not in
sites.toml (elsewhere.test) that records every request it gets, and a site whose robots.txt
answers 5xx, 4xx or drops the connection.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import FAST, crosspost

from dedupe.store import Store

ARTICLE = (
    "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Pier reopens</title>"
    "<meta property='og:type' content='article'></head><body><article><h1>Pier reopens</h1>"
    + "".join(
        f"<p>The north pier at Lowfield reopened on Monday after {n} weeks of work, and the "
        f"harbour board said the repairs cost {n * 11} thousand less than it had set aside.</p>"
        for n in range(2, 9)
    )
    + "</article></body></html>"
).encode()

Route = Callable[[BaseHTTPRequestHandler], None]


def page(body: bytes, status: int = 200, content_type: str = "text/html") -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


def redirect(location: str) -> Route:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def hang_up(handler: BaseHTTPRequestHandler) -> None:
    handler.close_connection = True  # no answer at all: a network error for the client


class Server:
    """One host on its own loopback address; `routes` can be changed while it runs."""

    def __init__(self, ip: str, name: str):
        self.routes: dict[str, Route] = {}
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                server.requests.append(self.path)
                server.routes.get(self.path, lambda h: h.send_error(404))(self)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((ip, 0), Handler)
        self.ip, self.name = ip, name
        self.url = f"http://{name}:{self.httpd.server_port}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def servers():
    started = {
        "site": Server("127.0.3.1", "scope.test"),
        "elsewhere": Server("127.0.3.2", "elsewhere.test"),
    }
    yield started
    for server in started.values():
        server.close()


def crawl(servers: dict[str, Server], tmp_path, db_name: str = "scope.db", retries: int = 0):
    site = servers["site"]
    sites = tmp_path / "sites.toml"
    sites.write_text(f'[[sites]]\nname = "Scope"\nurl = "{site.url}"\n')
    db = tmp_path / db_name
    hosts = {s.name: s.ip for s in servers.values()}
    result = crosspost(
        "crawl",
        str(sites),
        "--db",
        str(db),
        *FAST,
        "-s",
        f"CROSSPOST_HOSTS={json.dumps(hosts)}",
        "-s",
        f"RETRY_TIMES={retries}",
        "-s",
        "RETRY_BACKOFF_BASE=0.2",
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    store = Store(db)
    stats = json.loads(list(store.db["crawl_runs"].rows)[-1]["stats"])
    return result, store, stats


def test_redirects_off_the_site_are_not_followed(servers, tmp_path):
    site, elsewhere = servers["site"], servers["elsewhere"]
    site.routes.update(
        {
            "/": page(
                b"<html><body><a href='/good'>a</a> <a href='/away'>b</a> "
                b"<a href='/refresh'>c</a> <a href='/hop'>d</a></body></html>"
            ),
            "/robots.txt": page(b"User-agent: *\nAllow: /\n", content_type="text/plain"),
            "/good": page(ARTICLE),
            "/away": redirect(elsewhere.url + "taken"),
            "/hop": redirect(site.url + "hop-2"),  # a redirect on the site first, then away
            "/hop-2": redirect(elsewhere.url + "taken-too"),
            "/refresh": page(
                f"<html><head><meta http-equiv='refresh' content='0; url={elsewhere.url}moved'>"
                "</head><body>moved</body></html>".encode()
            ),
        }
    )
    elsewhere.routes.update(
        {
            "/robots.txt": page(b"User-agent: *\nAllow: /\n", content_type="text/plain"),
            "/taken": page(ARTICLE),
            "/taken-too": page(ARTICLE),
            "/moved": page(ARTICLE),
        }
    )
    result, store, stats = crawl(servers, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert elsewhere.requests == []  # neither its robots.txt nor a page
    assert store.known_urls() == {site.url + "good"}
    assert stats.get("crosspost/skipped/off-site-redirect") == 3, stats
    assert "/hop-2" in site.requests  # redirects within the site are still followed


def test_robots_txt_answering_5xx_disallows_everything_until_it_answers(servers, tmp_path):
    site = servers["site"]
    site.routes.update(
        {
            "/": page(b"<html><body><a href='/good'>a</a></body></html>"),
            "/robots.txt": page(b"Temporary failure\n", status=503, content_type="text/plain"),
            "/good": page(ARTICLE),
        }
    )
    result, store, stats = crawl(servers, tmp_path)
    assert set(site.requests) == {"/robots.txt"}  # the home page is not fetched either
    assert store.known_urls() == set()
    assert stats.get("crosspost/errors/robots-http-503") == 1, stats
    assert stats.get("crosspost/skipped/robots-unreachable", 0) >= 1, stats
    assert "robots.txt of scope.test" in result.stderr and "http-503" in result.stderr

    # The next run asks again, and crawls the site once robots.txt answers.
    site.routes["/robots.txt"] = page(b"User-agent: *\nAllow: /\n", content_type="text/plain")
    result, store, stats = crawl(servers, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert store.known_urls() == {site.url + "good"}


def test_robots_txt_failing_once_is_asked_again_within_the_run(servers, tmp_path):
    site = servers["site"]
    answers = [page(b"busy\n", 503, "text/plain"), page(b"User-agent: *\nAllow: /\n")]
    site.routes.update(
        {
            "/": page(b"<html><body><a href='/good'>a</a></body></html>"),
            "/robots.txt": lambda handler: (answers.pop(0) if len(answers) > 1 else answers[0])(
                handler
            ),
            "/good": page(ARTICLE),
        }
    )
    result, store, stats = crawl(servers, tmp_path, retries=1)
    assert result.returncode == 0, result.stderr[-3000:]
    assert site.requests[:2] == ["/robots.txt", "/robots.txt"]  # the 503, then the retry
    assert store.known_urls() == {site.url + "good"}
    assert not any(k.startswith("crosspost/errors/robots-") for k in stats), stats


def test_robots_txt_that_cannot_be_fetched_disallows_everything(servers, tmp_path):
    site = servers["site"]
    site.routes.update(
        {"/": page(b"<html><body><a href='/good'>a</a></body></html>"), "/robots.txt": hang_up}
    )
    site.routes["/good"] = page(ARTICLE)
    _result, store, stats = crawl(servers, tmp_path)
    assert set(site.requests) == {"/robots.txt"}
    assert store.known_urls() == set()
    assert any(k.startswith("crosspost/errors/robots-") for k in stats), stats


def test_robots_txt_answering_4xx_allows_everything(servers, tmp_path):
    site = servers["site"]
    site.routes.update(
        {
            "/": page(b"<html><body><a href='/good'>a</a></body></html>"),
            # An error page that happens to read like rules: a 404 means "no rules", not these.
            "/robots.txt": page(b"User-agent: *\nDisallow: /\n", 404, "text/plain"),
            "/good": page(ARTICLE),
        }
    )
    result, store, stats = crawl(servers, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert store.known_urls() == {site.url + "good"}
    assert "crosspost/errors" not in stats, stats
