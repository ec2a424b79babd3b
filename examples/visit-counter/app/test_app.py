"""Unit tests of the visit counter with Flask's test client.

Redis is replaced by a small in-memory store with the two commands the app uses (INCR, PING), so the
tests need no server: run them with `python3 -m unittest` or `python3 -m pytest` in this folder.
"""
import unittest

import redis

from app import COUNTER_KEY, create_app


class MemoryStore:
    """INCR and PING over a dict; `down` makes every call fail as an unreachable Redis does."""

    def __init__(self):
        self.values = {}
        self.down = False

    def incr(self, key):
        if self.down:
            raise redis.ConnectionError("connection refused")
        self.values[key] = self.values.get(key, 0) + 1
        return self.values[key]

    def ping(self):
        if self.down:
            raise redis.ConnectionError("connection refused")
        return True


class VisitCounterTest(unittest.TestCase):
    def setUp(self):
        self.store = MemoryStore()
        self.client = create_app(self.store).test_client()

    def test_each_visit_is_counted(self):
        first = self.client.get("/")
        second = self.client.get("/")
        self.assertEqual(first.status_code, 200)
        self.assertIn("visited 1 time.", first.get_data(as_text=True))
        self.assertIn("visited 2 times.", second.get_data(as_text=True))
        self.assertEqual(self.store.values[COUNTER_KEY], 2)

    def test_health_answers_without_redis(self):
        self.store.down = True
        self.assertEqual(self.client.get("/healthz").status_code, 200)

    def test_ready_only_when_redis_answers(self):
        self.assertEqual(self.client.get("/readyz").status_code, 200)
        self.store.down = True
        self.assertEqual(self.client.get("/readyz").status_code, 503)

    def test_a_visit_without_redis_is_503_not_a_crash(self):
        self.store.down = True
        response = self.client.get("/")
        self.assertEqual(response.status_code, 503)
        self.assertNotIn(COUNTER_KEY, self.store.values)


if __name__ == "__main__":
    unittest.main()
