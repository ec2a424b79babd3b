"""The app's unit tests: run with `python3 -m unittest` in this folder (the pipeline's first step)."""
import os
import unittest

from app import GREETING, create_app


class AppTest(unittest.TestCase):
    def setUp(self):
        self.client = create_app().test_client()

    def test_index_greets_with_the_version(self):
        os.environ["APP_VERSION"] = "1a2b3c4-7"
        try:
            body = self.client.get("/").get_json()
        finally:
            del os.environ["APP_VERSION"]
        self.assertEqual(body, {"message": GREETING, "version": "1a2b3c4-7"})

    def test_healthz_is_ok(self):
        response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_json(), {"status": "ok"})

    def test_readyz_is_ready(self):
        response = self.client.get("/readyz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.get_json(), {"status": "ready"})


if __name__ == "__main__":
    unittest.main()
