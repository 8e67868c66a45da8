"""The shared frontier of a crawl on several machines: what lives in Redis, and the Redis side of it.

One Redis database (redis://HOST:PORT/N) holds one crawl. Every crawl process, the writer
(`crawl`/`run --frontier`, the one with the database) and any number of workers, runs the usual
spider with scrapy-redis's scheduler and seen-request filter on these keys:

  queue, dupefilter      scrapy-redis's priority queue and request fingerprints
  leased, lease-*        requests taken from the queue and not yet done: each has a deadline its
                         process keeps pushing back; a dead process's leases run out and their
                         requests go back to the queue (scrapy-redis alone drops them)
  results                what processes found (pages extracted, pages recorded), waiting for the
                         writer; moved to `storing` while the writer stores them, so a killed
                         writer's restart stores them again (storing is idempotent)
  stored, fetched,       the crawl state (crawler/state.py) seeded from the database by the writer
  complete               when a run starts, so a scheduled run fetches only what is new
  shape:*                the URL shapes of each site's articles (crawler.detect.ArticleShapes)
  slot:SITE              a site's shared download slot: one request per DOWNLOAD_DELAY in all
  run, sites             "running"/"finished", and the sha256 of the writer's sites file
  load                   responses received per process (how the load split)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import socket
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import redis
from scrapy_redis.queue import PriorityQueue

from crawler.detect import ArticleShapes, url_shape
from dedupe.errors import InputError

PREFIX = "crosspost"
# A lease is pushed back every third of this; a process silent that long has died.
LEASE_SECONDS = 60.0
# A request whose lease ran out this many times (it kills whoever takes it) is given up.
MAX_LEASES = 5


def sites_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def connect(url: str) -> redis.Redis:
    """A client for the frontier URL, checked with a PING; InputError when it cannot be used."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise InputError(f"--frontier {url}: give a Redis URL such as redis://127.0.0.1:6379/0")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        client.ping()
    except (ValueError, redis.RedisError) as err:
        raise InputError(f"cannot reach Redis at {url}: {err}") from err
    return client


class Keys:
    """The names of the crawl's keys, all under one prefix."""

    def __init__(self, prefix: str = PREFIX):
        self.prefix = prefix
        self.queue = f"{prefix}:queue"
        self.dupefilter = f"{prefix}:dupefilter"
        self.leased = f"{prefix}:leased"
        self.lease_score = f"{prefix}:lease-score"
        self.lease_deadline = f"{prefix}:lease-deadline"
        self.lease_ids = f"{prefix}:lease-ids"
        self.lease_attempts = f"{prefix}:lease-attempts"
        self.given_up = f"{prefix}:given-up"
        self.requeued = f"{prefix}:requeued"
        self.results = f"{prefix}:results"
        self.storing = f"{prefix}:storing"
        self.stored = f"{prefix}:stored"
        self.fetched = f"{prefix}:fetched"
        self.complete = f"{prefix}:complete"
        self.undecided = f"{prefix}:undecided"
        self.cut = f"{prefix}:cut"
        self.run = f"{prefix}:run"
        self.sites = f"{prefix}:sites"
        self.load = f"{prefix}:load"
        self.writer = f"{prefix}:writer"

    def shape(self, kind: str, site: str, shape: str) -> str:
        return f"{self.prefix}:shape:{kind}:{site}:{shape}"

    def slot(self, site: str) -> str:
        return f"{self.prefix}:slot:{site}"

    def run_keys(self) -> list[str]:
        """What one run leaves behind, but the shapes and slots (found by pattern), the lease
        counter, the run's status and its sites file."""
        kept = {self.lease_ids, self.run, self.sites, self.writer, self.prefix}
        return [key for key in vars(self).values() if key not in kept]


# Lua, so that taking a request and leasing it is one step: no moment when it is in neither.
POP = """
local item = redis.call('ZPOPMIN', KEYS[1])
if #item == 0 then return false end
local id = tostring(redis.call('INCR', KEYS[5]))
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[2], id, item[1])
redis.call('HSET', KEYS[3], id, item[2])
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[1]), id)
return {id, item[1]}
"""
RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
return 0
"""
ACK = """
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return redis.call('ZREM', KEYS[3], ARGV[1])
"""
REQUEUE_EXPIRED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ids = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 500)
local back = 0
for _, id in ipairs(ids) do
  local data = redis.call('HGET', KEYS[2], id)
  local score = redis.call('HGET', KEYS[3], id)
  redis.call('HDEL', KEYS[2], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[4], id)
  if data then
    local n = redis.call('HINCRBY', KEYS[5], redis.sha1hex(data), 1)
    if n <= tonumber(ARGV[1]) then
      redis.call('ZADD', KEYS[1], score, data)
      redis.call('INCR', KEYS[7])
      back = back + 1
    else
      redis.call('INCR', KEYS[6])
    end
  end
end
return back
"""
# The crawl is over when nothing waits, nothing is leased and nothing waits to be stored.
ALL_DONE = """
if redis.call('ZCARD', KEYS[1]) == 0 and redis.call('HLEN', KEYS[2]) == 0
   and redis.call('LLEN', KEYS[3]) == 0 then return 1 end
return 0
"""


class Frontier:
    """One process's handle on the shared crawl: leases it holds, messages to the writer."""

    def __init__(self, client: redis.Redis, lease_seconds: float = LEASE_SECONDS, name: str = ""):
        self.redis = client
        self.keys = Keys()
        self.lease_ms = int(lease_seconds * 1000)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.held: set[str] = set()
        self.writing = False
        self._pop = client.register_script(POP)
        self._renew = client.register_script(RENEW)
        self._ack = client.register_script(ACK)
        self._requeue = client.register_script(REQUEUE_EXPIRED)
        self._all_done = client.register_script(ALL_DONE)

    # -- leases ------------------------------------------------------------------------------

    def pop(self) -> tuple[str, bytes] | None:
        k = self.keys
        got = self._pop(
            keys=[k.queue, k.leased, k.lease_score, k.lease_deadline, k.lease_ids],
            args=[self.lease_ms],
        )
        if not got:
            return None
        lease, data = got[0].decode(), got[1]
        self.held.add(lease)
        return lease, data

    def ack(self, lease: str) -> None:
        """The work of this lease is done: its outputs are in the queue or the results."""
        self.held.discard(lease)
        k = self.keys
        self._ack(keys=[k.leased, k.lease_score, k.lease_deadline], args=[lease])

    def claim_writer(self, wait: float) -> bool:
        """Become the crawl's one writer; a killed writer's claim runs out after a lease."""
        deadline = time.monotonic() + wait
        while not self.redis.set(self.keys.writer, self.name, nx=True, px=self.lease_ms):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)
        self.writing = True
        return True

    def release_writer(self) -> None:
        if self.writing and self.redis.get(self.keys.writer) == self.name.encode():
            self.redis.delete(self.keys.writer)
        self.writing = False

    def renew(self) -> None:
        if self.writing:
            self.redis.set(self.keys.writer, self.name, px=self.lease_ms)
        held = list(self.held)
        if held:
            self._renew(keys=[self.keys.lease_deadline], args=[self.lease_ms, *held])

    def keep_leases(self) -> threading.Event:
        """Renew this process's leases from a thread, every third of a lease, so that a busy
        reactor (a long page to extract) does not lose them; set the event to stop."""
        stop = threading.Event()

        def renew_until_stopped() -> None:
            while not stop.wait(self.lease_ms / 3000):
                with contextlib.suppress(redis.RedisError):  # the reactor's calls report it
                    self.renew()

        threading.Thread(target=renew_until_stopped, name="leases", daemon=True).start()
        return stop

    def requeue_expired(self) -> int:
        k = self.keys
        return self._requeue(
            keys=[
                k.queue,
                k.leased,
                k.lease_score,
                k.lease_deadline,
                k.lease_attempts,
                k.given_up,
                k.requeued,
            ],
            args=[MAX_LEASES],
        )

    def all_done(self) -> bool:
        k = self.keys
        return bool(self._all_done(keys=[k.queue, k.leased, k.results]))

    # -- the run -----------------------------------------------------------------------------

    def run_status(self) -> str:
        status = self.redis.get(self.keys.run)
        return status.decode() if status else ""

    def check_sites(self, digest: str) -> None:
        theirs = self.redis.get(self.keys.sites)
        if theirs is not None and theirs.decode() != digest:
            raise InputError(
                "this sites file is not the one the writer crawls (sha256 "
                f"{digest[:12]} here, {theirs.decode()[:12]} in the frontier): start every "
                "worker with the writer's sites file"
            )

    def send(self, message: tuple) -> None:
        """A message for the writer (pickled: the same code on both ends, a trusted Redis)."""
        self.redis.lpush(self.keys.results, pickle.dumps(message, pickle.HIGHEST_PROTOCOL))

    def count_response(self) -> None:
        self.redis.hincrby(self.keys.load, self.name, 1)

    def load(self) -> dict[str, int]:
        return {k.decode(): int(v) for k, v in self.redis.hgetall(self.keys.load).items()}

    def clear_run(self) -> None:
        """Forget a finished run's queue, filters and state (a new run seeds them again)."""
        keys = self.keys.run_keys()
        for pattern in (f"{self.keys.prefix}:shape:*", f"{self.keys.prefix}:slot:*"):
            keys += list(self.redis.scan_iter(pattern, count=1000))
        for start in range(0, len(keys), 1000):
            self.redis.delete(*keys[start : start + 1000])

    def add_members(self, key: str, members: Iterable[str], chunk: int = 10_000) -> None:
        batch: list[str] = []
        for member in members:
            batch.append(member)
            if len(batch) >= chunk:
                self.redis.sadd(key, *batch)
                batch = []
        if batch:
            self.redis.sadd(key, *batch)


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue, whose pop leases: the request carries its lease id in
    meta["lease"], and goes back to the queue if the lease runs out before it is acknowledged.

    A request pushed while it holds a lease (a retry, a redirect) takes over its work: it is
    queued, then the old lease is acknowledged."""

    def __init__(self, server, spider, key, serializer=None):
        super().__init__(server, spider, key, serializer)
        self.frontier: Frontier = spider.frontier

    def push(self, request) -> None:
        lease = request.meta.pop("lease", None)
        super().push(request)
        if lease:
            self.frontier.ack(lease)

    def pop(self, timeout=0):
        got = self.frontier.pop()
        if got is None:
            return None
        lease, data = got
        request = self._decode_request(data)
        request.meta["lease"] = lease
        return request


class RedisCrawlState:
    """CrawlState (crawler/state.py) shared by every process of a distributed crawl.

    Reads go to Redis (seeded by the writer from the database); records go to the writer as
    messages. The frontier is Redis's queue itself, so remember/frontier/settle have nothing to
    do; the writer begins and finishes sites."""

    def __init__(self, frontier: Frontier):
        self.shared = frontier
        self.redis = frontier.redis
        self.keys = frontier.keys
        self._complete: dict[str, bool] = {}

    def is_stored(self, url: str) -> bool:
        return bool(self.redis.sismember(self.keys.stored, url))

    def was_fetched(self, url: str) -> bool:
        return bool(self.redis.sismember(self.keys.fetched, url))

    def record(self, url: str, site: str, kind: str, status: int, reason: str = "") -> None:
        self.redis.sadd(self.keys.fetched, url)
        self.shared.send(("record", url, site, kind, status, reason))

    def remember(self, site: str, entries: Iterable[tuple[str, int]]) -> None:
        pass

    def frontier(self, site: str) -> list[tuple[str, int]]:
        return []

    def settle(self, url: str) -> None:
        pass

    def site_was_complete(self, site: str) -> bool:
        if site not in self._complete:
            self._complete[site] = self.redis.hget(self.keys.complete, site) == b"1"
        return self._complete[site]

    def begin_site(self, site: str) -> None:
        pass

    def finish_site(self, site: str) -> None:
        pass


class RedisShapes(ArticleShapes):
    """The URL shapes of each site's articles, learned by every process, kept in Redis sets."""

    def __init__(self, frontier: Frontier):
        super().__init__()
        self.redis = frontier.redis
        self.keys = frontier.keys

    def learn(self, site: str, url: str) -> None:
        self.redis.sadd(self.keys.shape("listed", site, url_shape(url)), url)

    def learn_led(self, site: str, urls: list[str]) -> None:
        if urls:
            pipe = self.redis.pipeline(transaction=False)
            for url in urls:
                pipe.sadd(self.keys.shape("led", site, url_shape(url)), url)
            pipe.execute()

    def matches(self, site: str, url: str) -> bool:
        shape = url_shape(url)
        pipe = self.redis.pipeline(transaction=False)
        pipe.scard(self.keys.shape("listed", site, shape))
        pipe.scard(self.keys.shape("led", site, shape))
        listed, led = pipe.execute()
        return listed >= self.MIN_LISTED or led >= self.MIN_LED
