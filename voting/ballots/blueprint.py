"""The `ballots` blueprint alone: the secretariat's poll pages (routes.py) and the deputy's
pages (deputy.py) add their views to it; the factory imports both, neither imports the other."""

from flask import Blueprint

bp = Blueprint("ballots", __name__)
