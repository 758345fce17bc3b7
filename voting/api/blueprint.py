"""The `api` blueprint alone, so that the modules adding its routes import it without a circle."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
