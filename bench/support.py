"""What the benchmarks that drive a real server share: the environment of the app's commands,
the flask CLI, an emptied PostgreSQL database, gunicorn started and waited for."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def app_env(url: str, secret: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "FLASK_APP": "voting", "PYTHONPATH": str(ROOT),
            "SECRET_KEY": os.environ.get("SECRET_KEY", secret)}


def flask(env, *args) -> str:
    """Run `flask --app voting ARGS` and return what it printed (exit on failure)."""
    out = subprocess.run([sys.executable, "-m", "flask", *args], env=env, cwd=ROOT,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr or out.stdout)
    return out.stdout


def reset_postgres(url: str) -> None:
    """Empty the scratch database the benchmark was given (every table of it is dropped)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def gunicorn(env, port: int, app: str, workers: int, threads: int) -> subprocess.Popen:
    """gunicorn with the project's settings (gunicorn.conf.py) on 127.0.0.1:PORT."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
         app], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_up(port: int, path: str = "/healthz") -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn on port {port} did not start")
