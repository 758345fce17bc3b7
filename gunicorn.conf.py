"""gunicorn settings, read from the working directory by `gunicorn 'voting:create_app()'`.

No access log: a line with the address and time of each request to
/api/v1/polls/<id>/ballots would link a cast to a device (docs/threat-model.md). The error
log cannot carry a cast either: gunicorn's own loggers drop every line that names a ballots
path (an "Error handling request <uri>" with its traceback, or an access line if someone
turns the access log on with a command-line flag), and the app reports a failed cast without
path, time or body (voting.errors).
"""

import logging

accesslog = None
errorlog = "-"
bind = "127.0.0.1:8000"
workers = 2


def _drop_cast_lines() -> None:
    from voting.errors import NoCastLines

    for name in ("gunicorn.error", "gunicorn.access"):
        log = logging.getLogger(name)
        if not any(isinstance(f, NoCastLines) for f in log.filters):
            log.addFilter(NoCastLines())


def on_starting(server):
    """In the master, before the workers fork (they inherit its loggers)."""
    _drop_cast_lines()


def post_worker_init(worker):
    """Again in every worker, whatever reloaded its logging."""
    _drop_cast_lines()
