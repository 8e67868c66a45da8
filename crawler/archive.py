"""Articles from WARC archives (crawl --warc, the Wayback Machine, Common Crawl): `crosspost import`.

Every HTTP response of the archives is read the way the crawl reads what it fetches: Scrapy's
response classes decode it, the spider's tests set aside what is not a page of its own (non-2xx,
not HTML, print views and other non-canonical views, link lists), feeds and sitemaps teach the
shape of each site's article URLs, and crawler.extraction.process_page extracts, classifies and
strips the rest. A page that is an article only if its URL has the shape of its site's articles
is decided once every record has been read, as the crawl decides it once it ran out of pages;
only its place in the archive is kept meanwhile, and it is read again then.

The WARC-Target-URI is the page's URL (a Wayback Machine URL, web.archive.org/web/<time>/<url>,
gives the URL it archived and the time it did) and WARC-Date its fetched time. Records stream
one at a time; a broken one (a file cut short, a damaged gzip member) is counted and the
import goes on at the next record that can be read.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import multiprocessing
import os
import re
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from parsel import Selector
from scrapy.http import Headers, TextResponse
from scrapy.responsetypes import responsetypes
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler import discovery
from crawler import settings as crawl_settings
from crawler.detect import ArticleShapes
from crawler.extraction import leave_with_parent, process_page
from crawler.structure import title_like
from dedupe.errors import InputError
from dedupe.store import Store, over_length
from dedupe.urls import clean_url, site_id

ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
BATCH_SIZE = 200  # articles per transaction
POOL_AFTER = 200  # pages extracted in this process before worker processes are worth starting
WAYBACK = re.compile(r"^https?://web\.archive\.org/web/(\d{4,14})[a-z_]*/(https?://.+)$", re.I)
# Where a record may start after a broken one: a gzip member, or an uncompressed WARC header.
RECORD_STARTS = (b"\x1f\x8b\x08", b"WARC/1.")


# What a broken record's error means, for the report (warcio's messages hold raw bytes).
BROKEN = {
    ArchiveLoadFailed: "not a WARC record (cut short or damaged)",
    EOFError: "the file ends inside a record",
    zlib.error: "damaged gzip data",
}


@dataclass
class ArchiveReport:
    """What an import of archives did. `skipped` counts responses that are not pages to read
    (by reason: http-404, not-html, duplicate-view, ...), `not_articles` pages read and found
    not to be articles (by reason), `broken` records that could not be read (file, byte
    offset, problem)."""

    files: int = 0
    records: int = 0
    responses: int = 0
    added: int = 0
    known: int = 0
    cut: int = 0
    skipped: Counter = field(default_factory=Counter)
    not_articles: Counter = field(default_factory=Counter)
    broken: list[tuple[str, int, str]] = field(default_factory=list)


def is_archive(path: Path) -> bool:
    """A WARC (or ARC) file, by its name or, failing that, by its first bytes."""
    if path.name.lower().endswith(ARCHIVE_SUFFIXES):
        return True
    try:
        with path.open("rb") as stream:
            head = stream.read(64)
        if head.startswith(b"\x1f\x8b"):
            with gzip.open(path, "rb") as unzipped:
                head = unzipped.read(16)
    except (OSError, EOFError, zlib.error):
        return False
    return head.startswith(b"WARC/")


def archive_files(path: Path) -> list[Path]:
    """The archives to import: the file itself, or those in the folder (and below it)."""
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and is_archive(p))
        if not found:
            raise InputError(f"{path} holds no WARC files (*.warc, *.warc.gz, *.arc.gz)")
        return found
    return [path]


def page_url_and_time(uri: str, warc_date: str | None) -> tuple[str, str | None]:
    """The archived page's URL and fetched time (ISO 8601, UTC) of a record."""
    wayback = WAYBACK.match(uri)
    if wayback:
        stamp, uri = wayback.groups()
        stamp = stamp.ljust(14, "0")
        try:
            moment = datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            return uri, moment.isoformat()
        except ValueError:
            pass
    if not warc_date:
        return uri, None
    try:
        moment = datetime.fromisoformat(warc_date.replace("Z", "+00:00"))
    except ValueError:
        return uri, None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return uri, moment.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass
class _Record:
    """One response record, read: where it is, its URL, time, status and body."""

    file: Path
    offset: int
    record_id: str
    url: str
    fetched_at: str | None
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    too_large: bool = False

    def response(self):
        """The record as the Scrapy response the crawl would have handed its spider."""
        headers = Headers(self.headers)
        cls = responsetypes.from_args(headers=headers, url=self.url, body=self.body)
        return cls(url=self.url, status=self.status, headers=headers, body=self.body)


def _read_record(record, path: Path, offset: int, max_bytes: int) -> _Record | str:
    """A response record read (body decoded), or why it is not one to read."""
    if record.rec_type == "revisit":
        return "revisit"
    if record.rec_type != "response":
        return ""  # requests, warcinfo, metadata: not counted
    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
    if not uri.lower().startswith(("http://", "https://")) or record.http_headers is None:
        return "not-http"
    url, fetched_at = page_url_and_time(uri, record.rec_headers.get_header("WARC-Date"))
    try:
        status = int(record.http_headers.get_statuscode())
    except (TypeError, ValueError):
        return "no-status"
    stream = record.content_stream()
    body = stream.read(max_bytes + 1)
    return _Record(
        file=path,
        offset=offset,
        record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
        url=url,
        fetched_at=fetched_at,
        status=status,
        headers=[(k, v) for k, v in record.http_headers.headers],
        body=body[:max_bytes],
        too_large=len(body) > max_bytes,
    )


def _damage(record) -> str:
    """What is wrong with a record read to its end ("" if nothing): warcio hands over a record
    cut short as it is, shorter than its Content-Length or without its headers."""
    if not record.rec_type:
        return "the record's headers are cut short"
    missing = getattr(record.raw_stream, "limit", 0) or 0
    if missing > 0:
        return f"the record is cut short ({missing:,} bytes missing)"
    checker = getattr(record, "digest_checker", None)
    if checker is not None and checker.passed is False:
        return "its digest does not match its content"
    return ""


def _next_start(stream, position: int) -> int | None:
    """The offset of the first byte at or after `position` where a record may start."""
    chunk_size = 1 << 20
    stream.seek(position)
    carry = b""
    base = position
    while True:
        chunk = stream.read(chunk_size)
        if not chunk:
            return None
        data = carry + chunk
        hits = [i for i in (data.find(start) for start in RECORD_STARTS) if i >= 0]
        if hits:
            return base + min(hits)
        carry = data[-8:]
        base += len(data) - len(carry)


def iter_records(
    path: Path, report: ArchiveReport, max_bytes: int
) -> Iterator[_Record | tuple[int, str]]:
    """The records of one archive, read, or (offset, reason) for those set aside; broken
    records go into report.broken and reading resumes at the next record that can be read."""
    try:
        stream = path.open("rb")
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}") from err
    with stream:
        size = path.stat().st_size
        position: int | None = 0
        while position is not None:
            stream.seek(position)
            records = ArchiveIterator(stream, check_digests=True)
            offset = position
            next_start = position  # where the record being read starts
            damaged = None  # a record read in full whose content is broken
            try:
                while True:
                    record = next(records, None)
                    if record is None:
                        break
                    report.records += 1
                    read = _read_record(record, path, offset, max_bytes)
                    offset = records.get_record_offset()  # reads the record to its end
                    if isinstance(read, _Record):
                        read.offset = offset
                    next_start = records.offset
                    problem = _damage(record)
                    if problem:
                        report.broken.append((path.name, offset, problem))
                        damaged = offset
                        break
                    yield read if isinstance(read, _Record) else (offset, read)
                if damaged is not None:
                    # Reading on from where warcio stopped could skip records: a gzip member
                    # that fails midway may have been read on into the members after it.
                    position = _next_start(stream, damaged + 1)
                    continue
                if next_start >= size:
                    return
                problem = "the file ends inside a record"  # warcio stops there quietly
            except (ArchiveLoadFailed, EOFError, zlib.error, ValueError, OSError) as err:
                problem = BROKEN.get(type(err), f"cannot be read ({type(err).__name__})")
            report.broken.append((path.name, next_start, problem))
            position = _next_start(stream, next_start + 1)


def read_record_at(path: Path, offset: int, max_bytes: int) -> _Record | None:
    """The response record at `offset` of an archive, read again."""
    with path.open("rb") as stream:
        stream.seek(offset)
        for record in ArchiveIterator(stream):
            read = _read_record(record, path, offset, max_bytes)
            return read if isinstance(read, _Record) else None
    return None


class ArchiveImport:
    """Reads archives into a store, as a crawl reads pages (see the module's docstring)."""

    def __init__(
        self,
        store: Store,
        progress: Callable[[ArchiveReport], None] | None = None,
        workers: int | None = None,
    ):
        self.store = store
        self.progress = progress
        # Past POOL_AFTER pages extraction runs in worker processes, as in a crawl
        # (crawler.pipelines), a few pages ahead of the records being read; results are taken
        # in the archive's order.
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.pool: ProcessPoolExecutor | None = None
        self.pages = 0
        self.window = 4 * max(self.workers, 1)
        self.in_flight: deque[tuple[Future, tuple, _Record, str, str]] = deque()
        self.report = ArchiveReport()
        self.shapes = ArticleShapes()
        self.max_bytes = crawl_settings.DOWNLOAD_MAXSIZE
        self.patterns: dict[str, tuple[str, ...]] = {}
        self.batch: list[tuple[dict, list]] = []
        self.undecided: list[tuple[str, Path, int]] = []  # (url, archive, offset)

    def run(self, paths: list[Path]) -> ArchiveReport:
        try:
            return self._run(paths)
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)

    def _run(self, paths: list[Path]) -> ArchiveReport:
        for path in paths:
            self.report.files += 1
            for read in iter_records(path, self.report, self.max_bytes):
                if isinstance(read, _Record):
                    self.report.responses += 1
                    self.read_page(read)
                elif read[1]:
                    self.report.responses += 1
                    self.report.skipped[read[1]] += 1
                if self.progress is not None and self.report.records % 100 == 0:
                    self.progress(self.report)
        while self.in_flight:
            self.settle()
        self.decide_undecided()
        self.flush()
        if self.progress is not None:
            self.progress(self.report)
        return self.report

    def skip(self, reason: str) -> None:
        self.report.skipped[reason] += 1

    def site_patterns(self, site: str) -> tuple[str, ...]:
        """Boilerplate patterns a crawl's sites.toml gave the site (kept in the database)."""
        if site not in self.patterns:
            stored = self.store.get_meta(f"boilerplate:{site}")
            self.patterns[site] = tuple(json.loads(stored)) if stored else ()
        return self.patterns[site]

    def read_page(self, record: _Record) -> None:
        """The spider's parse_page and the pipeline, for one archived response."""
        if not 200 <= record.status < 300:
            return self.skip(f"http-{record.status}")
        if record.too_large:
            return self.skip("too-large")
        url = clean_url(record.url)
        site = site_id(url)
        response = record.response()
        content_type = response.headers.get(b"Content-Type", b"").lower()
        if not any(t in content_type for t in HTML_TYPES) or not isinstance(response, TextResponse):
            self.learn_from_feed_or_sitemap(response, site)
            return self.skip("not-html")
        selector = Selector(text=response.text)
        canonical = discovery.canonical_url(selector, response.url)
        canonical = clean_url(canonical) if canonical else None
        if (canonical and canonical != url and site_id(canonical) == site) or (
            discovery.is_print_url(url)
        ):
            return self.skip("duplicate-view")
        if self.store.stored_urls([url]):
            self.report.known += 1
            return None
        if discovery.is_mostly_links(selector):  # a listing: teaches the shape of articles
            links = discovery.html_links(selector, response.url)
            self.shapes.learn_led(
                site,
                [
                    clean_url(link.url)
                    for link in links
                    if site_id(link.url) == site and not link.turns_page and title_like(link.text)
                ],
            )
            self.report.not_articles["mostly-links"] += 1
            return None
        args = (response.text, url, site, self.max_bytes, self.site_patterns(site))
        self.pages += 1
        if self.pool is None and self.workers > 0 and self.pages > POOL_AFTER:
            self.pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=leave_with_parent,
            )
        future: Future = Future()
        if self.pool is None:
            future.set_result(process_page(*args))
        else:
            try:
                future = self.pool.submit(process_page, *args)
            except BrokenProcessPool:  # a worker was killed: go on in this process
                self.pool, self.workers = None, 0
                future.set_result(process_page(*args))
        self.in_flight.append((future, args, dataclasses.replace(record, body=b""), url, site))
        while len(self.in_flight) > self.window:
            self.settle()
        return None

    def settle(self) -> None:
        """The pipeline's part for the oldest page in extraction."""
        future, args, record, url, site = self.in_flight.popleft()
        try:
            try:
                result = future.result()
            except BrokenProcessPool:  # a worker was killed (the OOM killer): redo it here
                result = process_page(*args)
        except Exception as err:  # a bug, not the page: counted, the import goes on
            self.skip(f"error-{type(err).__name__}")
            return
        if result.get("targets"):
            self.shapes.learn_led(site, result["targets"])
        if result.get("needs_shape"):  # decided when every record has been read
            self.undecided.append((url, record.file, record.offset))
            return
        if result["outcome"] != "article":
            self.report.not_articles[result["reason"]] += 1
            return
        self.add(record, url, site, result)

    def learn_from_feed_or_sitemap(self, response, site: str) -> None:
        """What the spider's parse_sitemap and parse_feed learn of a site's article URLs."""
        body = response.body
        if body[:2] != b"\x1f\x8b" and body.lstrip()[:1] != b"<":
            return  # robots.txt, images, ...: neither
        try:
            kind, locations = discovery.sitemap_entries(
                response.body, crawl_settings.CROSSPOST_SITEMAP_MAXSIZE
            )
        except discovery.SitemapTooLarge:
            kind, locations = "", []
        if kind != "sitemapindex":
            for location in locations:
                self.shapes.learn(site, location)
        for item in discovery.feed_item_urls(response.body):
            self.shapes.learn(site, response.urljoin(item))

    def decide_undecided(self) -> None:
        """Every record read: keep the waiting pages whose URL has the shape of their site's
        articles (read again from the archive), as the crawl does when it runs out of pages."""
        for url, path, offset in sorted(self.undecided):
            site = site_id(url)
            if not self.shapes.matches(site, url):
                self.report.not_articles["no-article-signals"] += 1
                continue
            record = read_record_at(path, offset, self.max_bytes)
            if record is None:
                continue
            response = record.response()
            result = process_page(
                response.text, url, site, self.max_bytes, self.site_patterns(site), True
            )
            if result["outcome"] == "article":
                self.add(record, url, site, result)
            else:
                self.report.not_articles[result["reason"]] += 1
        self.undecided = []

    def add(self, record: _Record, url: str, site: str, result: dict) -> None:
        article = {
            **result["fields"],
            "url": url,
            "site": site,
            "fetched_at": record.fetched_at,
            "text": result["text"],
            "word_count": len(result["text"].split()),
            "warc_file": record.file.name,
            "warc_record_id": record.record_id,
        }
        self.batch.append((article, result["removed"]))
        if len(self.batch) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        ids = self.store.add_articles(batch)
        for (article, _), article_id in zip(batch, ids, strict=True):
            if article_id is None:
                self.report.known += 1
            else:
                self.report.added += 1
                self.report.cut += over_length(article) > 0


def import_archives(
    store: Store,
    path: Path,
    progress: Callable[[ArchiveReport], None] | None = None,
    workers: int | None = None,
) -> ArchiveReport:
    """Import the articles of a WARC file, or of every WARC file in a folder (`workers`
    extraction processes: default one per core, 0 for none)."""
    return ArchiveImport(store, progress, workers).run(archive_files(path))
