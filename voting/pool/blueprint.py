"""The `pool` blueprint alone: the pool pages (routes.py) and the unit pages (unit_routes.py)
add their views to it; the factory imports both, neither imports the other."""

from flask import Blueprint

from voting.auth.models import Role

bp = Blueprint("pool", __name__)

SECRETARIAT = Role.SECRETARIAT.value
