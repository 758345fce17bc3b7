"""The `supervision` blueprint alone, so that the modules adding its routes import it without a circle."""

from flask import Blueprint

bp = Blueprint("supervision", __name__)
