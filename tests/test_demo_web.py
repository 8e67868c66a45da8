"""The bundled sample web: determinism, shape, links, feeds, truth, and serving over HTTP."""

from __future__ import annotations

import http.client
import itertools
import re
import tomllib
from collections import Counter
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser
from xml.etree import ElementTree

import lxml.html
import pytest

from crosspost.demo.server import serve
from crosspost.demo.web import build_web
from dedupe.urls import clean_url


@pytest.fixture(scope="module")
def web():
    return build_web()


def test_same_seed_same_web_and_other_seed_differs(web):
    again = build_web()
    assert again.truth.pages == web.truth.pages
    some = [(p.host, p.path) for p in itertools.islice(web.truth.pages.values(), 0, None, 17)]
    for host, path in some:
        assert web.response(host, path).body == again.response(host, path).body
    other = build_web(seed=8)
    assert {p.title for p in other.truth.articles()} != {p.title for p in web.truth.articles()}


def test_a_large_web_is_built_with_every_page_its_own():
    # 600 pieces use more towns than the generator has: names come round again, no hang.
    big = build_web(pieces=600)
    articles = big.truth.articles()
    assert len({p.piece for p in articles}) >= 600
    assert len({(p.host, p.path) for p in articles}) == len(articles)


def test_a_small_web_is_built_without_the_cases_it_has_no_pieces_for():
    for seed in (1, 3):
        small = build_web(seed=seed, pieces=12)
        assert not any("middle-excerpt" in p.flags for p in small.truth.articles())


def test_sites_pieces_and_spread(web):
    truth = web.truth
    assert len(web.sites) >= 7
    assert all(s.host.endswith(".test") and s.ip.startswith("127.0.1.") for s in web.sites)
    roles = Counter(s.role for s in web.sites)
    assert roles["republisher"] == 1 and roles["community"] == 2
    assert 2 <= roles["origin"] <= 3 and 4 <= roles["aggregator"] <= 5
    # Two sites in other languages (Spanish, French): their pages say so, and copy pieces.
    langs = {s.host: web.skins[s.host].lang for s in web.sites}
    assert sorted(set(langs.values())) == ["en", "es", "fr"]
    for host in (h for h, lang in langs.items() if lang != "en"):
        copies = [p for p in truth.articles() if p.host == host]
        assert len(copies) >= 3 and all(p.kind in ("copy", "excerpt") for p in copies)
    arts = truth.articles()
    pieces = truth.pieces()
    assert len(pieces) >= 36
    clusters = truth.clusters()
    assert len(clusters) >= 25 and len(pieces) - len(clusters) >= 3  # a few are never copied
    # 2-6 copies, and one more at a site in another language for some pieces
    assert all(3 <= len(c) <= 8 for c in clusters if not any(truth.pages[u].group for u in c))
    kinds = Counter(p.kind for p in arts)
    # One piece starts at an outlet the web does not serve: its first served page credits it.
    assert len(truth.external) == 1 and not truth.external & set(truth.pages)
    outside = [p for p in arts if p.parent in truth.external]
    assert [(p.host, p.kind, p.flags) for p in outside] == [
        ("widerlens.test", "copy", ("external-source",))
    ]
    assert kinds["origin"] + len(truth.external) == len(pieces)
    assert kinds["excerpt"] >= 10 and kinds["copy"] >= 40
    by_url = truth.pages
    deep = [p for p in arts if p.parent in by_url and by_url[p.parent].kind != "origin"]
    assert len(deep) >= 5  # copies of copies
    # Most full copies of copies take along a line of their source's own page; the few that
    # neither do nor credit their source are marked as ambiguous.
    full = [p for p in deep if p.kind == "copy"]
    carrying = [p for p in full if set(p.boilerplate) & set(by_url[p.parent].boilerplate)]
    ambiguous = [p for p in full if "ambiguous-source" in p.flags]
    assert len(carrying) >= 0.75 * len(full) and ambiguous and not set(ambiguous) & set(carrying)
    assert any(p.kind == "copy" and not p.boilerplate for p in arts) or any(
        p.kind == "copy" and not any("source" in b.lower() or "via " in b for b in p.boilerplate)
        for p in arts
    )
    groups = {g.split("-")[0] for g in truth.groups()}
    assert groups == {"followup", "quote", "disclaimer", "digest"}
    # Two quotation cases (one from the start, one opening with the middle of its piece).
    assert sum(g.startswith("quote") for g in truth.groups()) == 2
    middle = [p for p in arts if "middle-excerpt" in p.flags]
    assert len(middle) == 2 and all(p.kind == "excerpt" for p in middle)
    assert any("date-before-source" in p.flags for p in arts)
    assert any(p.kind == "origin" and p.published is None for p in arts)
    assert any(p.published and not p.time_shown for p in arts)
    assert truth.redirects and truth.disallowed


def test_texts_lengths_and_copies_follow_their_parents(web):
    truth = web.truth
    for page in truth.articles():
        words = sum(len(p.split()) for p in page.paragraphs)
        if page.kind == "origin":
            if page.group and page.group.startswith("disclaimer"):
                assert 120 <= words <= 250
            elif page.group and page.group.startswith("digest") and page.host == "dailyscroll.test":
                # The digest quotes the openings of the other pieces of its group, in order.
                quoted = sorted(
                    (p for p in truth.articles() if p.group == page.group and p is not page),
                    key=lambda p: page.paragraphs.index(p.paragraphs[0]),
                )
                assert len(quoted) == 3 and all(p.available < page.available for p in quoted)
                for p, n in zip(quoted, (3, 2, 2), strict=True):
                    at = page.paragraphs.index(p.paragraphs[0])
                    assert page.paragraphs[at : at + n] == p.paragraphs[:n]
                    assert p.paragraphs[n] not in page.paragraphs
            elif "brief" in page.flags:
                assert 55 <= words <= 90 and page.host == "millbrook-dispatch.test"
            else:
                assert 350 <= words <= 900 and 6 <= len(page.paragraphs) <= 14, page.url
            continue
        if page.parent in truth.external:
            assert "external-source" in page.flags
            continue
        parent = truth.pages[page.parent]
        assert parent.piece == page.piece
        lag = page.available - parent.available
        assert timedelta(hours=1) <= lag <= timedelta(hours=72)
        if page.kind == "excerpt":
            assert 2 <= len(page.paragraphs) < len(parent.paragraphs)
            # Consecutive paragraphs: the first ones, or ones from the middle (neither the first
            # nor the last) where the truth says so.
            n = len(page.paragraphs)
            at = parent.paragraphs.index(page.paragraphs[0])
            assert page.paragraphs == parent.paragraphs[at : at + n]
            if "middle-excerpt" in page.flags:
                assert at >= 1 and at + n < len(parent.paragraphs)
            else:
                assert at == 0
    start, end = min(p.available for p in truth.articles()), web.end
    assert start.month == 11 and timedelta(days=17) <= end - start <= timedelta(days=25)


def test_truth_text_and_boilerplate_are_on_the_page(web):
    for page in web.truth.articles():
        html = web.response(page.host, page.path).body.decode()
        tree = lxml.html.fromstring(html)
        text = " ".join(tree.text_content().split())
        for block in page.paragraphs + page.boilerplate:
            assert " ".join(block.split()) in text
        # Briefs declare nothing (no Open Graph, no JSON-LD): their page must say it otherwise.
        declared = [] if "brief" in page.flags else ["article"]
        assert tree.xpath("//meta[@property='og:type']/@content") == declared
        skin = web.skins[page.host]
        assert bool(tree.xpath("//script[@type='application/ld+json']")) == (
            bool(declared) and skin.jsonld
        )
        assert tree.xpath("//html/@lang") == [skin.lang]
        if skin.lang == "en":
            assert tree.xpath("//meta[@name='author']/@content") == [page.author]
            assert bool(tree.xpath("//time/@datetime")) == (page.published is not None)
        else:  # dates in words only, in local time with the offset; the site's name in og:title
            assert not tree.xpath("//time") and page.published and page.time_shown
            assert not tree.xpath("//meta[contains(@property, 'published')]")
            assert re.search(r"UTC[+\u2212]\d", tree.text_content())
            og_title = tree.xpath("//meta[@property='og:title']/@content")[0]
            assert og_title != page.title and skin.name in og_title and page.title in og_title
    review = [p for p in web.truth.articles() if p.host == "widerlens.test"]
    assert all(any(b.startswith("Copyright ©") for b in p.boilerplate) for p in review)
    assert all(any(b.startswith("(Visited ") for b in p.boilerplate) for p in review)


def _links(body: bytes, ctype: str, base: str) -> list[str]:
    if "xml" in ctype:
        root = ElementTree.fromstring(body)
        found = [e.text for e in root.iter() if e.tag.endswith("}loc") or e.tag == "link"]
        found += [e.get("href") for e in root.iter() if e.tag.endswith("}link") and e.get("href")]
        return [urljoin(base, u) for u in found if u]
    if "html" not in ctype:
        return re.findall(r"Sitemap: (\S+)", body.decode())
    tree = lxml.html.fromstring(body)
    return [urljoin(base, h) for h in tree.xpath("//a/@href | //link/@href")]


def test_every_link_resolves_and_the_truth_is_exactly_what_a_crawl_finds(web):
    hosts = {s.host for s in web.sites}
    robots: dict[str, RobotFileParser] = {}
    for host in hosts:
        robots[host] = RobotFileParser()
        robots[host].parse(web.response(host, "/robots.txt").body.decode().splitlines())
    todo = [f"http://{h}/" for h in hosts] + [f"http://{h}/robots.txt" for h in hosts]
    seen, reached, moved, trapped = set(todo), set(), set(), set()
    sessions = re.compile(r";jsessionid=[0-9A-F]{32}")
    while todo:
        url = todo.pop()
        parts = urlsplit(sessions.sub("", url))
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if web.router.is_trap(parts.hostname, parts.path):
            trapped.add(url)  # an empty month of the endless calendar: it goes on forever
            continue
        if not robots[parts.hostname].can_fetch("*", url):
            assert clean_url(url).replace(":80/", "/") in {
                clean_url(u) for u in web.truth.disallowed
            } or url.endswith("?q=latest")
            continue
        response = web.response(parts.hostname, path)
        assert response.status in (200, 301), url
        if response.status == 301:
            moved.add(url)
            targets = [urljoin(url, response.headers["Location"])]
        else:
            reached.add(sessions.sub("", url).split("?utm")[0].split("?fbclid")[0])
            targets = _links(response.body, response.headers["Content-Type"], url)
        for target in targets:
            if urlsplit(target).hostname in hosts and sessions.sub("", target) not in seen:
                seen.add(sessions.sub("", target))
                todo.append(target)
    assert reached == set(web.truth.pages)
    assert moved == set(web.truth.redirects)
    assert trapped and {urlsplit(u).hostname for u in trapped} == {"newsrake.test"}


def test_feeds_and_sitemaps_are_xml_and_list_only_published_pages(web):
    truth = web.truth
    now = min(p.available for p in truth.articles()) + timedelta(days=6)
    published = {p.url for p in truth.articles(as_of=now)}
    future = {p.url for p in truth.articles()} - published
    assert published and future
    xml_pages = [p for p in truth.pages.values() if p.page_type in ("feed", "sitemap")]
    assert len({p.host for p in xml_pages if p.page_type == "feed"}) >= 4
    for page in xml_pages:
        response = web.response(page.host, page.path, now=now)
        if page.available and page.available > now:
            assert response.status == 404
            continue
        root = ElementTree.fromstring(response.body)
        links = set(_links(response.body, "xml", page.url))
        assert not links & future, page.url
        if page.page_type == "feed":
            items = [
                e for e in root.iter() if e.tag in ("item", "{http://www.w3.org/2005/Atom}entry")
            ]
            assert 1 <= len(items) <= 10
    for url in future:
        page = truth.pages[url]
        assert web.response(page.host, page.path, now=now).status == 404
    home = web.response("newsrake.test", "/", now=now).body.decode()
    assert not any(urlsplit(u).path in home for u in future if "newsrake" in u)


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + 5]) for i in range(len(words) - 4)}


def test_pieces_do_not_look_alike_except_the_marked_hard_negatives(web):
    origins = [p for p in web.truth.articles() if p.kind == "origin"]
    sets = {p.url: _shingles(p.text) for p in origins}
    worst = 0.0
    for a, b in itertools.combinations(origins, 2):
        jaccard = len(sets[a.url] & sets[b.url]) / len(sets[a.url] | sets[b.url])
        digest = a.group and a.group.startswith("digest")
        if digest and a.host != "dailyscroll.test" and b.host != "dailyscroll.test":
            worst = max(worst, jaccard)  # two of the pieces a digest quotes
        elif a.group and a.group == b.group and not a.group.startswith("disclaimer"):
            assert jaccard > 0.05  # the reuse is real
        else:
            worst = max(worst, jaccard)
    assert worst < 0.1


def test_write_sites_toml(web, tmp_path):
    bases = {s.host: f"http://{s.host}:8123/" for s in web.sites}
    data = tomllib.loads(web.write_sites_toml(tmp_path / "sites.toml", bases).read_text())
    assert [s["url"] for s in data["sites"]] == list(bases.values())
    assert {s["role"] for s in data["sites"]} == {
        "origin",
        "republisher",
        "aggregator",
        "community",
    }


def _get(running, host: str, path: str) -> tuple[int, bytes, dict]:
    conn = http.client.HTTPConnection(running.hosts[host], running.port, timeout=5)
    try:
        conn.request("GET", path, headers={"Host": f"{host}:{running.port}"})
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def test_serve_answers_over_http_per_host(web):
    article = next(p for p in web.truth.articles() if p.host == "widerlens.test")
    early = min(p.available for p in web.truth.articles())
    with serve(web, now=early) as running:
        assert set(running.hosts.values()) == {s.ip for s in web.sites}
        page = running.truth.pages[running.truth.url(article.host, article.path)]
        assert running.base_url(article.host) == f"http://{article.host}:{running.port}/"
        status, body, _ = _get(running, "kestrel-courier.test", "/robots.txt")
        assert status == 200 and b"User-agent" in body
        assert _get(running, article.host, article.path)[0] == 404  # not published yet
        running.set_now(datetime.max.replace(tzinfo=early.tzinfo))
        status, body, _ = _get(running, article.host, article.path + "?utm_source=x&fbclid=y")
        assert status == 200 and page.paragraphs[0].split()[0].encode() in body
        assert f":{running.port}/".encode() in body  # cross-site links carry the port
        running.fail_once(article.host, article.path, 503)
        assert _get(running, article.host, article.path)[0] == 503
        assert _get(running, article.host, article.path)[0] == 200
        old, new = next(iter(running.truth.redirects.items()))
        status, _, headers = _get(running, urlsplit(old).hostname, urlsplit(old).path)
        assert status == 301 and headers["Location"] == urlsplit(new).path
        statuses = [s for h, p, s in running.requests if p == article.path]
        assert statuses == [404, 503, 200]
