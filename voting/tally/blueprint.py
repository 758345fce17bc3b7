"""The `tally` blueprint alone: the count pages (routes.py) and the paper-ballot pages
(paper_routes.py) add their views to it; the factory imports both, neither imports the other."""

from flask import Blueprint

bp = Blueprint("tally", __name__)
