"""What a crawl fetched, kept as WARC files: every response with the request that asked for it.

`WarcArchive` is a Scrapy extension that any crawl process enables with the setting
CROSSPOST_WARC_DIR (`crosspost crawl|run --warc DIR`). It writes each response as the downloader
received it (before any middleware decompresses or follows it: redirects, errors and robots.txt
included), gzip per record, into files rotated at CROSSPOST_WARC_MAX_SIZE bytes, and puts the
file name and record id in the request's meta (WARC_META), where the spider finds them for the
article row. Each record is flushed as it is written: a killed crawl leaves readable files.
"""

from __future__ import annotations

import contextlib
import os
import socket
from datetime import UTC, datetime
from http import HTTPStatus
from importlib.metadata import version
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import NotConfigured
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from dedupe.errors import StoreError

WARC_META = "crosspost_warc"  # request.meta key: (WARC file name, WARC-Record-ID)
DEFAULT_MAX_SIZE = 1_000_000_000  # the usual size of a WARC file (IIPC, Heritrix)
# The body is stored de-chunked: a Transfer-Encoding header would make readers de-chunk it again.
DROPPED_HEADERS = frozenset({b"transfer-encoding"})


def _header_pairs(headers) -> list[tuple[str, str]]:
    """Scrapy Headers -> (name, value) pairs as text, one per value."""
    pairs = []
    for name, values in headers.items():
        if name.lower() in DROPPED_HEADERS:
            continue
        for value in values:
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


class WarcFiles:
    """WARC files in `directory`, a new one once the current one passed `max_size` bytes."""

    def __init__(self, directory: str | os.PathLike, max_size: int = DEFAULT_MAX_SIZE):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.max_size = max_size
        self.started = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self.serial = 0
        self.file = None
        self.name = ""
        self.writer: WARCWriter | None = None
        self.records = 0

    def _open(self) -> None:
        self.serial += 1
        host = socket.gethostname().replace("-", "_")
        self.name = f"crosspost-{self.started}-{self.serial:05d}-{host}-{os.getpid()}.warc.gz"
        # "x": never overwrite an archive, even one of another process that chose the same name
        self.file = open(self.directory / self.name, "xb")  # noqa: SIM115 (kept open)
        self.writer = WARCWriter(self.file, gzip=True, warc_version="1.1")
        info = self.writer.create_warcinfo_record(
            self.name,
            {"software": f"crosspost/{version('crosspost')}", "format": "WARC File Format 1.1"},
        )
        self.writer.write_record(info)

    def write_exchange(
        self,
        url: str,
        method: str,
        request_headers: list[tuple[str, str]],
        request_body: bytes,
        status: int,
        response_headers: list[tuple[str, str]],
        body: bytes,
        protocol: str = "HTTP/1.1",
        ip_address: str | None = None,
    ) -> tuple[str, str]:
        """Write a response record and its request record; returns (file name, record id)."""
        if self.file is None or self.file.tell() >= self.max_size:
            self.close()
            self._open()
        assert self.writer is not None
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = ""
        extra = {"WARC-IP-Address": ip_address} if ip_address else {}
        response = self.writer.create_warc_record(
            url,
            "response",
            payload=BytesIO(body),
            length=len(body),
            warc_headers_dict=extra,
            http_headers=StatusAndHeaders(
                f"{status} {reason}".strip(), response_headers, protocol=protocol
            ),
        )
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if not any(name.lower() == "host" for name, _ in request_headers):
            request_headers = [("Host", parts.netloc), *request_headers]
        request = self.writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(request_body),
            length=len(request_body),
            http_headers=StatusAndHeaders(
                f"{method} {target} {protocol}", request_headers, is_http_request=True
            ),
        )
        self.writer.write_request_response_pair(request, response)
        self.file.flush()
        self.records += 1
        return self.name, response.rec_headers.get_header("WARC-Record-ID")

    def close(self) -> None:
        if self.file is not None:
            file, self.file = self.file, None
            # a full disk: the crawl stops on the write that failed already
            with contextlib.suppress(OSError):
                file.close()


class WarcArchive:
    """Scrapy extension: archive every downloaded response (CROSSPOST_WARC_DIR turns it on)."""

    def __init__(self, crawler, files: WarcFiles):
        self.crawler = crawler
        self.files = files
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        directory = crawler.settings.get("CROSSPOST_WARC_DIR")
        if not directory:
            raise NotConfigured  # (with no message: Scrapy would warn on every crawl)
        max_size = crawler.settings.getint("CROSSPOST_WARC_MAX_SIZE") or DEFAULT_MAX_SIZE
        return cls(crawler, WarcFiles(directory, max_size))

    def response_downloaded(self, response, request, spider) -> None:
        if self.crawler.stats.get_value("crosspost/store_error"):
            return  # stopping: the disk is full
        try:
            name, record_id = self.files.write_exchange(
                response.url,
                request.method,
                _header_pairs(request.headers),
                request.body or b"",
                response.status,
                _header_pairs(response.headers),
                response.body,
                protocol=response.protocol or "HTTP/1.1",
                ip_address=str(response.ip_address) if response.ip_address else None,
            )
        except OSError as err:  # a full disk: what cannot be archived is not stored either
            from crawler.middlewares import stop_for_store_error  # imports the reactor

            stop_for_store_error(
                self.crawler,
                StoreError(
                    f"cannot write WARC file in {self.files.directory}: {err.strerror or err}"
                ),
            )
            return
        request.meta[WARC_META] = (name, record_id)
        self.crawler.stats.inc_value("crosspost/warc_records")

    def spider_closed(self, spider) -> None:
        self.files.close()
