"""Django's Redis cache with one redis-py client per connection pool, not one per operation.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` for every cache call;
redis-py 5+ fills a case-insensitive dict of ~200 response callbacks in each constructor,
about 0.2 ms of CPU per call on the hot paths (API-key cache, throttle counters, doorbell
dedupe). A `redis.Redis` over a shared pool is thread-safe, so one per pool is enough.
`settings.CACHES` swaps Django's backend for this one (CACHE_URL=redis://...).
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients.setdefault(index, self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
