"""The shared frontier's leases on a real redis-server: what a process took comes back when it
stops renewing, never while it renews, and is given up after MAX_LEASES deaths."""

from __future__ import annotations

import time

import redis

from crawler.frontier import MAX_LEASES, Frontier


def frontier(url: str, lease_seconds: float = 0.2) -> Frontier:
    return Frontier(redis.Redis.from_url(url), lease_seconds=lease_seconds, name="test")


def test_a_lease_that_runs_out_goes_back_to_the_queue_with_its_priority(redis_url):
    shared = frontier(redis_url)
    shared.redis.zadd(shared.keys.queue, {b"later": 0, b"first": -10})
    lease, data = shared.pop()
    assert data == b"first"
    assert shared.requeue_expired() == 0  # still within its lease
    assert not shared.all_done()
    time.sleep(0.3)
    assert shared.requeue_expired() == 1
    assert shared.pop()[1] == b"first"  # back with its priority, ahead of "later"
    assert int(shared.redis.get(shared.keys.requeued)) == 1


def test_a_renewed_lease_is_kept_and_an_acknowledged_one_is_done(redis_url):
    shared = frontier(redis_url)
    shared.redis.zadd(shared.keys.queue, {b"page": 0})
    lease, _ = shared.pop()
    stop = shared.keep_leases()
    try:
        time.sleep(0.5)  # more than two leases long
        assert shared.requeue_expired() == 0
    finally:
        stop.set()
    shared.ack(lease)
    assert shared.all_done()
    time.sleep(0.3)
    assert shared.requeue_expired() == 0
    assert shared.redis.zcard(shared.keys.queue) == 0


def test_a_request_that_kills_every_process_is_given_up(redis_url):
    shared = frontier(redis_url, lease_seconds=0.05)
    shared.redis.zadd(shared.keys.queue, {b"poison": 0})
    for _death in range(MAX_LEASES):
        assert shared.pop() is not None
        time.sleep(0.08)
        assert shared.requeue_expired() == 1
    assert shared.pop() is not None
    time.sleep(0.08)
    assert shared.requeue_expired() == 0
    assert int(shared.redis.get(shared.keys.given_up)) == 1
    assert shared.all_done()
