"""The default cache: Redis, falling back to a database table while Redis cannot be reached.

Login lockout counts live in the database (django-axes). What still lives in the cache is
allauth's rate limits (password-reset mails, code requests) and its record of TOTP codes already
used, so a code cannot be replayed. With Redis down those go to the fallback table instead of
turning a login into a 500, and replayed codes are still refused.
"""

import logging

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def _with_fallback(name: str):
    def method(self, *args, **kwargs):
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except REDIS_DOWN as exc:
            logger.warning("Redis cache unreachable (%s); using the database cache.", exc)
            return getattr(caches[self.fallback_alias], name)(*args, **kwargs)

    method.__name__ = name
    return method


class RedisWithDatabaseFallback(RedisCache):
    """RedisCache whose operations move to the cache named by FALLBACK when Redis is down."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self.fallback_alias = params["FALLBACK"]

    add = _with_fallback("add")
    get = _with_fallback("get")
    set = _with_fallback("set")
    touch = _with_fallback("touch")
    delete = _with_fallback("delete")
    get_many = _with_fallback("get_many")
    has_key = _with_fallback("has_key")
    incr = _with_fallback("incr")
    set_many = _with_fallback("set_many")
    delete_many = _with_fallback("delete_many")
    clear = _with_fallback("clear")
