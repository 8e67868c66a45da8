"""The shared Redis frontier: leased queue, seen filter, shared per-site slot (real redis-server)."""

from __future__ import annotations

import redis


def test_redis_server_fixture_answers(redis_url):
    client = redis.Redis.from_url(redis_url)
    assert client.ping()
    assert client.config_get("save") == {"save": ""}
