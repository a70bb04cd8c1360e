"""One Redis client factory for the store and the caches, so every URL form works everywhere.

`redis://`, `rediss://` and `unix://` go to redis-py as they are. High availability through
Sentinel: `redis+sentinel://[:password@]host:port[,host:port…]/service_name[/db]` asks the
sentinels for the current master of `service_name` and follows fail-overs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit


def connect(url: str, **options: Any):
    import redis.asyncio as redis  # imported here so the in-process default needs no Redis

    if not url.startswith("redis+sentinel://"):
        return redis.from_url(url, **options)
    from redis.asyncio.sentinel import Sentinel

    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    password = unquote(parts.password) if parts.password else None
    nodes = []
    for node in netloc.split(","):
        host, _, port = node.rpartition(":")
        nodes.append((host or node, int(port or 26379)))
    path = [p for p in parts.path.split("/") if p]
    if not path:
        raise ValueError("a redis+sentinel:// URL names the service: redis+sentinel://host:26379/mymaster[/db]")
    db = int(path[1]) if len(path) > 1 else 0
    sentinel = Sentinel(nodes, sentinel_kwargs={"password": password} if password else None, **options)
    return sentinel.master_for(path[0], db=db, password=password)
