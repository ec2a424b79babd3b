"""demo-flask-app: the small web app the CI + GitOps example builds and deploys.

GET /         a greeting with the version the pipeline built (APP_VERSION, set from the image tag)
GET /healthz  liveness: the process answers
GET /readyz   readiness: the app can serve requests
"""
import os

from flask import Flask, jsonify

GREETING = "Hello from demo-flask-app"


def create_app():
    app = Flask(__name__)

    @app.get("/")
    def index():
        return jsonify(message=GREETING, version=os.environ.get("APP_VERSION", "dev"))

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        return jsonify(status="ready")

    return app


app = create_app()

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
