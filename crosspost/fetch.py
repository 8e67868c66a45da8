"""Fetch one page for `crosspost extract` (a single polite request, no crawl)."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from crawler import settings
from dedupe.errors import InputError

MAX_BYTES = settings.DOWNLOAD_MAXSIZE


def load_page(source: str, url: str | None = None) -> tuple[bytes, str]:
    """(body, url) of a URL fetched now or of a saved file (whose URL is --url, else file://)."""
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": settings.USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=settings.DOWNLOAD_TIMEOUT) as response:
                body = response.read(MAX_BYTES + 1)
                return body, url or response.geturl()
        except urllib.error.HTTPError as err:
            raise InputError(f"{source} answered HTTP {err.code} {err.reason}") from err
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise InputError(f"cannot fetch {source}: {reason}") from err
    path = Path(source)
    if not path.is_file():
        raise InputError(f"{source} is neither an http(s) URL nor a file")
    try:
        return path.read_bytes(), url or path.resolve().as_uri()
    except OSError as err:
        raise InputError(f"cannot read {source}: {err.strerror}") from err
