"""Every response carries the security headers; HSTS only over HTTPS."""

import pytest

from voting import create_app


@pytest.mark.parametrize("path", ["/", "/pool/", "/api/v1/keys", "/no-such-page", "/healthz"])
def test_security_headers_on_every_response(client, path):
    r = client.get(path)
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in r.headers


def test_hsts_and_secure_cookies_when_served_over_https(tmp_path):
    app = create_app("test", instance_path=str(tmp_path), SESSION_COOKIE_SECURE=True,
                     DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    client = app.test_client()
    assert client.get("/healthz").headers["Strict-Transport-Security"].startswith("max-age=")
    cookies = client.get("/auth/login").headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in c for c in cookies)
