"""The visit counter: a Flask web app that counts its visits in Redis.

GET /         increments the counter and says how many visits there were
GET /healthz  liveness: the process answers
GET /readyz   readiness: Redis answers (503 when it does not)

Redis is found through REDIS_HOST and REDIS_PORT (the Helm chart sets them to its Redis Service).
"""
import os

import redis
from flask import Flask

COUNTER_KEY = "visits"


def create_app(store=None):
    """The Flask app; `store` is the Redis client (anything with incr and ping), default one from the environment."""
    app = Flask(__name__)
    client = store if store is not None else redis.Redis(
        host=os.environ.get("REDIS_HOST", "localhost"),
        port=int(os.environ.get("REDIS_PORT", "6379")),
        socket_connect_timeout=2,
        socket_timeout=2,
    )

    @app.route("/")
    def index():
        try:
            count = client.incr(COUNTER_KEY)
        except redis.RedisError:
            return "Redis is not reachable; try again in a moment.\n", 503
        return f"Hello from the visit counter! This page has been visited {count} time{'' if count == 1 else 's'}.\n"

    @app.route("/healthz")
    def healthz():
        return "ok\n"

    @app.route("/readyz")
    def readyz():
        try:
            client.ping()
        except redis.RedisError:
            return "redis unavailable\n", 503
        return "ready\n"

    return app


# gunicorn's entry point (app:app); the client connects on first use, not at import.
app = create_app()

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "5000")))
