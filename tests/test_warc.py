"""WARC archives: a crawl with --warc keeps every response, and `crosspost import` reads them back.

One crawl of the sample web with --warc (small files, so that they rotate) serves the module.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import FAST, crawl_args, crosspost, write_sites
from test_crawl_disk_full import ARTICLES as TIDE_ARTICLES
from test_crawl_disk_full import small_filesystem_works
from test_crawl_disk_full import tide_site as tide_site_fixture
from warcio.archiveiterator import ArchiveIterator

from crosspost.demo.server import serve
from crosspost.demo.web import build_web
from crosspost.serve import make_app
from dedupe.store import Store
from dedupe.urls import clean_url

MAX_SIZE = 200_000  # bytes per WARC file: the sample web's crawl fills several


def warc_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.warc.gz"))


def read_records(folder: Path) -> list[dict]:
    """Every record of the folder's WARC files, read with warcio (digests checked)."""
    records = []
    for path in warc_files(folder):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests="raise"):
                entry = {
                    "file": path.name,
                    "type": record.rec_type,
                    "id": record.rec_headers.get_header("WARC-Record-ID"),
                    "uri": record.rec_headers.get_header("WARC-Target-URI"),
                    "concurrent": record.rec_headers.get_header("WARC-Concurrent-To"),
                    "date": record.rec_headers.get_header("WARC-Date"),
                }
                if record.rec_type == "response":
                    entry["status"] = int(record.http_headers.get_statuscode())
                    entry["body"] = record.content_stream().read()
                records.append(entry)
    return records


def rows(db: Path, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def archived(tmp_path_factory):
    """The sample web crawled with --warc: (folder, db, requests the web served, running web)."""
    web = build_web()
    folder = tmp_path_factory.mktemp("warc")
    with serve(web) as running:
        sites = write_sites(web, running, folder / "sites.toml")
        db = folder / "crawl.db"
        args = crawl_args(running, sites, db, "--warc", str(folder / "warc"))
        crawled = crosspost(*args, "-s", f"CROSSPOST_WARC_MAX_SIZE={MAX_SIZE}")
        assert crawled.returncode == 0, crawled.stderr[-3000:]
        yield folder / "warc", db, list(running.requests), running


def test_crawl_archives_every_response_with_its_request(archived):
    folder, _db, served, _running = archived
    files = warc_files(folder)
    assert len(files) >= 3  # rotated by size
    assert all(path.stat().st_size < MAX_SIZE + 50_000 for path in files[:-1])
    records = read_records(folder)
    responses = [r for r in records if r["type"] == "response"]
    archived_responses = Counter(
        (urlsplit(r["uri"]).hostname, urlsplit(r["uri"]).path, r["status"])
        for r in responses
        if not urlsplit(r["uri"]).query
    )
    served_plain = Counter((host, path, status) for host, path, status in served if "?" not in path)
    assert archived_responses == served_plain
    assert len(responses) == len(served)  # with queries too
    statuses = Counter(r["status"] for r in responses)
    assert statuses == Counter(status for *_, status in served)
    assert set(statuses) - {200}  # answers that are not pages (missed probes...) are kept too
    assert any(r["uri"].endswith("/robots.txt") for r in responses)
    # every response has its request, tied to it
    requests = {r["concurrent"]: r for r in records if r["type"] == "request"}
    assert set(requests) == {r["id"] for r in responses}
    assert all(requests[r["id"]]["uri"] == r["uri"] for r in responses)


def test_each_article_row_names_its_warc_record(archived):
    folder, db, _served, _running = archived
    articles = rows(db, "SELECT url, warc_file, warc_record_id FROM articles")
    assert len(articles) > 100
    by_id = {r["id"]: r for r in read_records(folder) if r["type"] == "response"}
    for url, warc_file, record_id in articles:
        record = by_id[record_id]
        assert record["file"] == warc_file
        assert clean_url(record["uri"]) == url
        assert record["status"] == 200 and b"<html" in record["body"].lower()


def test_warc_option_refuses_a_file(tmp_path):
    (tmp_path / "sites.toml").write_text('[[sites]]\nurl = "http://127.0.0.1:9/"\n')
    (tmp_path / "afile").write_text("x")
    result = crosspost(
        "crawl", str(tmp_path / "sites.toml"), "--db", str(tmp_path / "x.db"), "--warc",
        str(tmp_path / "afile"),
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("crosspost: error: --warc")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()


# -- import ----------------------------------------------------------------------------------------


def articles_of(db: Path, text: str = "text") -> dict[str, str]:
    """url -> text (stripped, rewritten by `crosspost cluster`) or raw_text (as extracted)."""
    return dict(rows(db, f"SELECT url, {text} FROM articles"))


def clusters_of(db: Path) -> set[frozenset[str]]:
    members: dict[int, set[str]] = {}
    for cluster_id, url in rows(
        db,
        "SELECT m.cluster_id, a.url FROM cluster_members m JOIN articles a ON a.id = m.article_id",
    ):
        members.setdefault(cluster_id, set()).add(url)
    return {frozenset(urls) for urls in members.values()}


@dataclass
class Imported:
    db: Path
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess
    texts: dict[str, str]  # url -> text of the import, before clustering
    crawled_texts: dict[str, str]  # and of the crawl


@pytest.fixture(scope="module")
def imported(archived, tmp_path_factory) -> Imported:
    """The crawl's WARC folder imported twice into a fresh database, whose sites thus have no
    role; then both databases clustered."""
    folder, crawl_db, _served, _running = archived
    db = tmp_path_factory.mktemp("imported") / "imported.db"
    first = crosspost("import", str(folder), "--db", str(db))
    second = crosspost("import", str(folder), "--db", str(db))
    result = Imported(db, first, second, articles_of(db), articles_of(crawl_db))
    for target in (crawl_db, db):
        clustered = crosspost("cluster", "--db", str(target))
        assert clustered.returncode == 0, clustered.stderr
    return result


def test_importing_the_warcs_gives_the_crawls_articles_and_clusters(archived, imported):
    folder, crawl_db, _served, _running = archived
    db, first = imported.db, imported.first
    assert first.returncode == 0, first.stderr
    crawled = imported.crawled_texts
    assert f"imported {len(crawled)} articles from " in first.stdout
    assert "0 broken records" in first.stdout
    assert imported.texts == crawled  # same URLs, same texts
    assert articles_of(db, "raw_text") == articles_of(crawl_db, "raw_text")
    # each imported article points to the record it came from, as the crawl's rows do
    assert rows(db, "SELECT url, warc_file, warc_record_id FROM articles ORDER BY url") == rows(
        crawl_db, "SELECT url, warc_file, warc_record_id FROM articles ORDER BY url"
    )
    # fetched times are the records' WARC-Date (to the second), not the import's
    dates = {r["id"]: r["date"] for r in read_records(folder) if r["type"] == "response"}
    for when, record_id in rows(db, "SELECT fetched_at, warc_record_id FROM articles"):
        assert datetime.fromisoformat(when) == datetime.fromisoformat(
            dates[record_id].replace("Z", "+00:00")
        ).replace(microsecond=0)
    assert clusters_of(db) == clusters_of(crawl_db)
    assert len(clusters_of(db)) > 20


# -- roles: the imported sample web has no sites.toml, so every role is inferred ---------------


def test_roles_inferred_on_the_sample_web_match_its_truth(archived, imported):
    _folder, _crawl_db, _served, running = archived
    truth = running.web.flow_roles()
    found = rows(imported.db, "SELECT id, role, inferred_role FROM sites")
    assert all(role in (None, "other") for _, role, _ in found)  # no role given
    inferred = {site: role for site, _, role in found}
    right = sum(inferred.get(site) == role for site, role in truth.items())
    assert right / len(truth) >= 0.9, (inferred, truth)


def test_inferred_roles_in_exports_and_the_flows_page(archived, imported, tmp_path):
    _folder, _crawl_db, _served, running = archived
    db = imported.db
    out = tmp_path / "sites.json"
    result = crosspost("export", "--db", str(db), "--format", "json", "--sites", "-o", str(out))
    assert result.returncode == 0, result.stderr
    nodes = {n["id"]: n for n in json.loads(out.read_text())["nodes"]}
    for site in running.web.flow_roles():
        assert nodes[site]["role"] and nodes[site]["role_inferred"] is True
    html = asyncio.run(make_app(db).client.get("/-/crosspost/flows")).text
    for site, role in rows(db, "SELECT id, inferred_role FROM sites"):
        if role:
            assert f"({role}, inferred from its flows)" in html, site


def test_a_role_given_in_sites_toml_wins(imported, tmp_path):
    copy = tmp_path / "given.db"
    copy.write_bytes(imported.db.read_bytes())
    with Store(copy) as store:
        site = store.db.execute("SELECT id FROM sites WHERE inferred_role = 'origin'").fetchone()[0]
        store.upsert_site(site, role="community")
        shown = {r["site"]: r["role"] for r in store.clustered_articles()}
    assert shown[site] == "community"


def test_a_second_import_adds_nothing(archived, imported):
    _folder, crawl_db, _served, _running = archived
    db, second = imported.db, imported.second
    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("imported 0 articles from ")
    assert f"({len(articles_of(crawl_db))} already stored" in second.stdout
    assert len(articles_of(db)) == len(articles_of(crawl_db))


def damage_record(path: Path, record_id: str) -> None:
    """Cut the gzip member of one record in half, in the middle of the file."""
    data = path.read_bytes()
    with path.open("rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            found = record.rec_headers.get_header("WARC-Record-ID") == record_id
            records.read_to_end()
            if found:
                start, length = records.member_info
                break
    path.write_bytes(data[: start + length // 2] + data[start + length :])


def test_a_gzip_member_broken_midway_is_reported_once_and_the_records_after_it_read(tmp_path):
    # warcio reads on into the following members as if the record went on: the import reports
    # it once and reads every record after it.
    import io
    import random

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from crawler.archive import ArchiveReport, iter_records

    rng = random.Random(5)
    path = tmp_path / "three.warc.gz"
    starts = []
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n in range(3):  # bodies that compress badly: a member of several read blocks
            text = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(120_000))
            body = f"<html><body><article>{text}</article></body></html>".encode()
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], "HTTP/1.1")
            starts.append(out.tell())
            writer.write_record(
                writer.create_warc_record(
                    f"https://example.org/{n}", "response", payload=io.BytesIO(body),
                    http_headers=headers,
                )
            )  # fmt: skip
        starts.append(out.tell())
    data = bytearray(path.read_bytes())
    damage = starts[1] + 3 * (starts[2] - starts[1]) // 4  # late in the second member
    data[damage : damage + 64] = bytes(b ^ 0x5A for b in data[damage : damage + 64])
    path.write_bytes(bytes(data))
    report = ArchiveReport()
    read = list(iter_records(path, report, 10_000_000))
    assert [r.url for r in read] == ["https://example.org/0", "https://example.org/2"]
    assert [(name, offset) for name, offset, _ in report.broken] == [(path.name, starts[1])]


def test_a_truncated_record_is_reported_and_the_rest_imported(archived, tmp_path):
    folder, crawl_db, _served, _running = archived
    url, warc_file, record_id = rows(
        crawl_db,
        "SELECT url, warc_file, warc_record_id FROM articles ORDER BY id LIMIT 1 OFFSET 40",
    )[0]
    copy = tmp_path / "warcs"
    copy.mkdir()
    for path in warc_files(folder):
        (copy / path.name).write_bytes(path.read_bytes())
    damage_record(copy / warc_file, record_id)
    db = tmp_path / "damaged.db"
    result = crosspost("import", str(copy), "--db", str(db))
    assert result.returncode == 1  # the work was not all done
    broken = [line for line in result.stderr.splitlines() if line]
    assert len(broken) == 1 and broken[0].startswith(f"crosspost: {warc_file}: broken record at")
    assert "Traceback" not in result.stderr
    assert "1 broken records" in result.stdout
    crawled = articles_of(crawl_db, "raw_text")
    del crawled[url]
    assert articles_of(db, "raw_text") == crawled


STORY = """<html><head><title>{title}</title><meta property="og:type" content="article">
<meta property="og:title" content="{title}"></head><body><header><a href="/">Home</a></header>
<article><h1>{title}</h1>{paragraphs}</article><footer>Contact us</footer></body></html>"""


def story(title: str, words: str) -> bytes:
    paragraphs = "".join(
        f"<p>{words} The {n} council meeting heard from residents about {title.lower()}.</p>"
        for n in ("first", "second", "third", "fourth")
    )
    return STORY.format(title=title, paragraphs=paragraphs).encode()


def write_foreign_warc(path: Path) -> None:
    """Records as the Wayback Machine and Common Crawl write them (invented pages)."""
    import gzip
    from io import BytesIO

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    def response(uri, status, headers, body, date, record_type="response"):
        http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
        return writer.create_warc_record(
            uri, record_type, payload=BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict={"WARC-Date": date},
        )  # fmt: skip

    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        html = [("Content-Type", "text/html; charset=utf-8")]
        # the Wayback Machine: the archived URL and time are in the target URI
        wayback = "https://web.archive.org/web/20160302123456id_/http://www.harbour-news.example/2016/03/ferry-fares-rise/"
        writer.write_record(
            response(wayback, "200 OK", html, story("Ferry fares rise", "Fares go up in May."),
                     "2026-11-30T10:00:00Z")
        )  # fmt: skip
        # Common Crawl: a request, a gzip-encoded response, a metadata record, a revisit
        uri = "https://mill-town.example/news/bakery-reopens?utm_source=feed"
        body = gzip.compress(story("Bakery reopens", "The bakery on Mill Street is open again."))
        writer.write_record(
            writer.create_warc_record(
                uri, "request", payload=BytesIO(b""), length=0,
                http_headers=StatusAndHeaders("GET /news/bakery-reopens HTTP/1.1",
                                              [("Host", "mill-town.example")], is_http_request=True),
            )
        )  # fmt: skip
        writer.write_record(
            response(uri, "200 OK", [*html, ("Content-Encoding", "gzip")], body,
                     "2024-05-06T07:08:09Z")
        )  # fmt: skip
        writer.write_record(
            writer.create_warc_record(
                uri, "metadata", payload=BytesIO(b"fetchTimeMs: 12\n"), length=16,
                warc_content_type="application/warc-fields",
            )
        )  # fmt: skip
        writer.write_record(
            response(uri, "200 OK", html, b"", "2024-06-01T00:00:00Z", record_type="revisit")
        )
        writer.write_record(
            response("https://mill-town.example/logo.png", "200 OK",
                     [("Content-Type", "image/png")], b"\x89PNG\r\n", "2024-05-06T07:08:10Z")
        )  # fmt: skip
        writer.write_record(
            response("https://mill-town.example/gone", "404 Not Found", html, b"<p>gone</p>",
                     "2024-05-06T07:08:11Z")
        )  # fmt: skip


def test_wayback_and_common_crawl_records(tmp_path):
    archive = tmp_path / "foreign.warc.gz"
    write_foreign_warc(archive)
    db = tmp_path / "foreign.db"
    result = crosspost("import", str(archive), "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert "imported 2 articles from 8 records of 1 WARC file" in result.stdout
    for reason in ("1 revisit", "1 not-html", "1 http-404"):
        assert reason in result.stdout
    assert rows(db, "SELECT url, site, fetched_at, title FROM articles ORDER BY id") == [
        (
            "http://www.harbour-news.example/2016/03/ferry-fares-rise/",
            "harbour-news.example",
            "2016-03-02T12:34:56+00:00",  # the Wayback Machine's capture time
            "Ferry fares rise",
        ),
        (
            "https://mill-town.example/news/bakery-reopens",  # tracking parameter removed
            "mill-town.example",
            "2024-05-06T07:08:09+00:00",
            "Bakery reopens",
        ),
    ]
    text = rows(db, "SELECT text FROM articles WHERE title = 'Bakery reopens'")[0][0]
    assert "The bakery on Mill Street is open again." in text


def test_import_of_a_folder_without_archives_is_bad_input(tmp_path):
    (tmp_path / "notes.txt").write_text("nothing here")
    result = crosspost("import", str(tmp_path), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 2
    assert result.stderr.startswith("crosspost: error: ") and "no WARC files" in result.stderr
    assert not (tmp_path / "x.db").exists()


def test_import_shows_a_progress_line_on_a_terminal(archived, tmp_path):
    """On a terminal (a pseudo-terminal here) stderr carries a live progress line; under cron
    (no terminal, as in the other tests) nothing but the summary is printed."""
    import os
    import pty
    import subprocess
    import sys

    folder, _db, _served, _running = archived
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "crosspost", "import", str(folder), "--db", str(tmp_path / "t.db")],
        stdout=subprocess.PIPE, stderr=follower, env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the process is done with it
            break
        if not chunk:
            break
        shown += chunk
    stdout, _ = process.communicate(timeout=120)
    os.close(leader)
    assert process.returncode == 0
    assert b"importing: " in shown and b"records" in shown
    assert stdout.decode().startswith("imported ")


def test_a_killed_extraction_worker_loses_no_page(archived, tmp_path, monkeypatch):
    """kill -9 of an extraction worker midway (the OOM killer): its pages are extracted in the
    importing process instead, and the import gives every article all the same."""
    import os
    import signal
    import time

    from crawler import archive

    folder, crawl_db, _served, _running = archived
    monkeypatch.setattr(archive, "POOL_AFTER", 10)
    killed: list[int] = []
    with Store(tmp_path / "killed.db") as store:
        job = archive.ArchiveImport(store, workers=1)
        settle = job.settle

        def settle_after_a_kill() -> None:
            if not killed and job.pool is not None and job.pool._processes:
                pid = next(iter(job.pool._processes))
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                time.sleep(0.5)  # the pool notices
            settle()

        job.settle = settle_after_a_kill
        report = job.run(archive.archive_files(folder))
    assert killed and not report.broken
    assert not [reason for reason in report.skipped if reason.startswith("error-")]
    assert articles_of(tmp_path / "killed.db", "raw_text") == articles_of(crawl_db, "raw_text")


tide_site = tide_site_fixture  # a small site of long articles on loopback


def test_a_full_disk_for_the_warcs_stops_the_crawl_and_keeps_the_evidence(tide_site, tmp_path):
    """The WARC folder on a small file system that fills: the crawl stops with one line, exit
    1, and every article it stored has its record whole in the archive."""
    home, hosts = tide_site
    small = tmp_path / "small"
    small.mkdir()
    if not small_filesystem_works(small):
        pytest.skip("cannot mount a tmpfs in a private mount namespace here (unshare -rm)")
    sites = tmp_path / "sites.toml"
    sites.write_text(f'[[sites]]\nname = "Tides"\nurl = "{home}"\n')
    db, kept = tmp_path / "tides.db", tmp_path / "kept"
    crawl = [sys.executable, "-m", "crosspost", "crawl", str(sites), "--db", str(db)]
    crawl += ["--warc", f"{small}/warc", *FAST, "-s", f"CROSSPOST_HOSTS={json.dumps(hosts)}"]
    crawl += ["-s", "RETRY_TIMES=0", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
    crawl += ["-s", "CROSSPOST_EXTRACT_WORKERS=0"]
    script = (
        'mount -t tmpfs -o size=120k tmpfs "$1" && shift && "$@"; code=$?; '
        f'cp -r "{small}/warc" "{kept}"; exit $code'
    )
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script, "sh", str(small), *crawl],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr[-3000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("crosspost: error:")]
    assert len(errors) == 1 and "cannot write WARC file" in errors[0], result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    stored = articles_of(db, "raw_text")
    assert 0 < len(stored) < TIDE_ARTICLES
    assert rows(db, "SELECT COUNT(*) FROM articles WHERE warc_record_id IS NULL") == [(0,)]
    # the archive holds every stored article (and perhaps a page fetched as the crawl stopped)
    again = crosspost("import", str(kept), "--db", str(tmp_path / "again.db"))
    archived = articles_of(tmp_path / "again.db", "raw_text")
    assert stored.items() <= archived.items(), again.stdout + again.stderr
    assert len(archived) < TIDE_ARTICLES  # the archive too stopped with the disk
