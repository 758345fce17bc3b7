from flask import Blueprint

bp = Blueprint("pool", __name__)
