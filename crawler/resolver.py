"""A DNS resolver with a static hosts map (setting CROSSPOST_HOSTS = {name: ip}), like /etc/hosts.

Used to crawl test and demo webs whose sites have their own names on loopback addresses.
"""

from __future__ import annotations

from collections.abc import Sequence

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer


class HostsResolver(CachingThreadedResolver):
    """Answers names in CROSSPOST_HOSTS itself; asks the system for everything else."""

    hosts: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler, reactor):
        resolver = super().from_crawler(crawler, reactor)
        resolver.hosts = {
            k.lower(): v for k, v in crawler.settings.getdict("CROSSPOST_HOSTS").items()
        }
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()):  # noqa: N802 (Twisted's name)
        ip = self.hosts.get(name.lower())
        if ip is not None:
            return defer.succeed(ip)
        return super().getHostByName(name, timeout)
