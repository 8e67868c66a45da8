"""sites.toml: the list of sites to crawl. Only each site's home page is required."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dedupe.errors import InputError
from dedupe.urls import site_id

ROLES = ("origin", "republisher", "aggregator", "community", "other")


@dataclass(frozen=True)
class SiteConfig:
    """One [[sites]] table."""

    name: str
    url: str
    role: str = "other"
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    max_pages: int | None = None
    boilerplate: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        return site_id(self.url)


def _strings(table: dict, key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: '{key}' must be a list of strings")
    return tuple(value)


def _patterns(table: dict, where: str, name: str) -> tuple[str, ...]:
    """The site's own boilerplate regexes, each checked here so a typo stops the crawl before it
    starts (compiled as dedupe.boilerplate compiles them)."""
    patterns = _strings(table, "boilerplate", where)
    for pattern in patterns:
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as err:
            raise InputError(
                f"{where} ({name}): boilerplate pattern {pattern!r} is not a valid regular "
                f"expression ({err}); fix or remove it"
            ) from err
    return patterns


def _parse_site(table: object, where: str) -> SiteConfig:
    if not isinstance(table, dict):
        raise InputError(f"{where}: expected a [[sites]] table")
    unknown = set(table) - {"name", "url", "role", "feeds", "sitemaps", "max_pages", "boilerplate"}
    if unknown:
        raise InputError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    url = table.get("url")
    if (
        not isinstance(url, str)
        or urlsplit(url).scheme not in ("http", "https")
        or not site_id(url)
    ):
        raise InputError(f"{where}: 'url' must be the site's home page, e.g. https://example.org/")
    name = table.get("name", site_id(url))
    if not isinstance(name, str) or not name.strip():
        raise InputError(f"{where}: 'name' must be a non-empty string")
    role = table.get("role", "other")
    if role not in ROLES:
        raise InputError(f"{where}: 'role' must be one of {', '.join(ROLES)}, not {role!r}")
    max_pages = table.get("max_pages")
    if max_pages is not None and (not isinstance(max_pages, int) or max_pages < 1):
        raise InputError(f"{where}: 'max_pages' must be a positive whole number")
    return SiteConfig(
        name=name.strip(),
        url=url,
        role=role,
        feeds=_strings(table, "feeds", where),
        sitemaps=_strings(table, "sitemaps", where),
        max_pages=max_pages,
        boilerplate=_patterns(table, where, name.strip()),
    )


def parse_sites(text: str, source: str = "sites.toml") -> list[SiteConfig]:
    """Parse the text of a sites file; InputError names the problem and where it is."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{source} is not valid TOML: {err}") from err
    tables = data.get("sites")
    if not isinstance(tables, list) or not tables:
        raise InputError(f"{source} lists no sites: add [[sites]] tables with name and url")
    sites = [_parse_site(t, f"{source}, site {i}") for i, t in enumerate(tables, start=1)]
    seen: dict[str, str] = {}
    for site in sites:
        if site.id in seen:
            raise InputError(
                f"{source}: {site.name!r} and {seen[site.id]!r} are the same site {site.id}"
            )
        seen[site.id] = site.name
    return sites


def load_sites(path: str | Path) -> list[SiteConfig]:
    """Read a sites.toml file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise InputError(f"sites file {path} not found") from err
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read sites file {path}: {err}") from err
    return parse_sites(text, str(path))
