import click
from flask.cli import AppGroup

poll_cli = AppGroup("poll", help="Run a poll from the command line: close, tally, publish.")
