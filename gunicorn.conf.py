"""gunicorn settings, read from the working directory by `gunicorn 'voting:create_app()'`.

No access log: a line with the address and time of each request to
/api/v1/polls/<id>/ballots would link a cast to a device (THREAT_MODEL.md).
"""

accesslog = None
errorlog = "-"
bind = "127.0.0.1:8000"
workers = 2
