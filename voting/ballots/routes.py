from flask import Blueprint

bp = Blueprint("ballots", __name__)
