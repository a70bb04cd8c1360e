"""One Redis client factory for the store and the caches, so every URL form works everywhere.

`redis://`, `rediss://` and `unix://` go to redis-py as they are. High availability through
Sentinel: `redis+sentinel://[:password@]host:port[,host:port…]/service_name[/db]` asks the
sentinels for the current master of `service_name` and follows fail-overs. Redis Cluster:
`redis+cluster://[:password@]host:port[,host:port…]` starts from those nodes and follows the slots
(every key the service writes in one command or transaction lives in one slot).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

MAX_CONNECTIONS = 64  # per Redis pool (store, caches): bounded, not one connection per request


def connect(url: str, **options: Any):
    import redis.asyncio as redis  # imported here so the in-process default needs no Redis

    if url.startswith("redis+cluster://"):
        from redis.asyncio.cluster import ClusterNode, RedisCluster

        nodes, password = _nodes(url, default_port=6379)
        return RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in nodes], password=password, **options
        )
    if not url.startswith("redis+sentinel://"):
        if "max_connections" in options:  # bounded: wait for a free connection rather than fail at once
            return redis.Redis.from_pool(redis.BlockingConnectionPool.from_url(url, **options))
        return redis.from_url(url, **options)
    from redis.asyncio.sentinel import Sentinel

    parts = urlsplit(url)
    nodes, password = _nodes(url, default_port=26379)
    path = [p for p in parts.path.split("/") if p]
    if not path:
        raise ValueError("a redis+sentinel:// URL names the service: redis+sentinel://host:26379/mymaster[/db]")
    db = int(path[1]) if len(path) > 1 else 0
    sentinel_kwargs = {k: v for k, v in options.items() if k.startswith("socket_")}
    if password:
        sentinel_kwargs["password"] = password
    sentinel = Sentinel(nodes, sentinel_kwargs=sentinel_kwargs, **options)
    return sentinel.master_for(path[0], db=db, password=password)


def _nodes(url: str, *, default_port: int) -> tuple[list[tuple[str, int]], str | None]:
    """The comma list of host:port in a URL's netloc (urlsplit cannot parse it), and its password."""
    netloc = url.split("://", 1)[1].split("/", 1)[0]
    credentials, _, hosts = netloc.rpartition("@")
    password = unquote(credentials.rpartition(":")[2]) if credentials else None
    nodes = []
    for node in hosts.split(","):
        host, _, port = node.rpartition(":")
        nodes.append((host or node, int(port or default_port)))
    return nodes, password or None
