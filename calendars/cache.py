"""Built feeds kept per process, keyed by what they were built from.

A key is (feed, language, the window's first day, the domain) plus the revision of every calendar
scope behind the feed (calendars.models.CalendarChange.revision: a new random value with each
change, in the same transaction as the change). The revisions are read from the database on every
request, so a change committed by any process (another worker, the scheduler, a command) makes the
next request a miss and the feed is built again; nothing is ever invalidated by hand. Bounded by
bytes (FEED_CACHE_BYTES, least recently used out first); 0 turns the cache off. Hits and misses are
counted for /metrics (commons.metrics), all workers together.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from flask import current_app
from prometheus_client import Counter

DEFAULT_BYTES = 32 * 1024 * 1024
LOOKUPS = Counter("commons_feed_cache_lookups", "Feed cache look-ups, by result (hit or miss)", ["result"])


class FeedCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple, object] = OrderedDict()
        self._sizes: dict[tuple, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple):
        with self._lock:
            value = self._items.get(key)
            if value is None:
                self.misses += 1
                LOOKUPS.labels("miss").inc()
                return None
            self._items.move_to_end(key)
            self.hits += 1
            LOOKUPS.labels("hit").inc()
            return value

    def put(self, key: tuple, value, size: int) -> None:
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._items:
                self._bytes -= self._sizes.pop(key)
                del self._items[key]
            self._items[key] = value
            self._sizes[key] = size
            self._bytes += size
            while self._bytes > self.max_bytes:
                old, _ = self._items.popitem(last=False)
                self._bytes -= self._sizes.pop(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._sizes.clear()
            self._bytes = 0


def feed_cache() -> FeedCache | None:
    """This app's cache (one per app and process), or None when FEED_CACHE_BYTES is 0."""
    max_bytes = int(current_app.config.get("FEED_CACHE_BYTES", DEFAULT_BYTES))
    if max_bytes <= 0:
        return None
    cache = current_app.extensions.get("calendar_feed_cache")
    if cache is None or cache.max_bytes != max_bytes:
        cache = current_app.extensions["calendar_feed_cache"] = FeedCache(max_bytes)
    return cache
