"""The poll's private key is parsed once per process for issuing tokens, and forgotten when
the poll closes (the key row is deleted then) or, in the other workers, a minute after its last
use: no copy outlives it for long in a worker's memory."""

import time

from tests.polls import close, signed_voter
from voting.ballots import services


def test_the_key_is_parsed_once_and_forgotten_at_close(app, client, hall, monkeypatch):
    poll_id = hall["poll_id"]
    parsed = []
    real = services.blind_rsa.load_private_key
    monkeypatch.setattr(services.blind_rsa, "load_private_key",
                        lambda pem: parsed.append(1) or real(pem))
    for username in ("d001", "d002", "d003"):
        signed_voter(app, client, poll_id, username)
    assert len(parsed) == 1
    assert any(k[0] == poll_id for k in services._SIGNING_KEYS)
    close(app, poll_id)
    assert not any(k[0] == poll_id for k in services._SIGNING_KEYS)


def test_an_idle_key_is_dropped_by_the_next_request(app, client, hall):
    poll_id = hall["poll_id"]
    signed_voter(app, client, poll_id, "d001")
    assert any(k[0] == poll_id for k in services._SIGNING_KEYS)
    services.expire_signing_keys(time.monotonic() + services.SIGNING_KEY_IDLE_SECONDS - 5)
    assert any(k[0] == poll_id for k in services._SIGNING_KEYS)  # recently used: kept
    services.expire_signing_keys(time.monotonic() + services.SIGNING_KEY_IDLE_SECONDS + 1)
    assert not any(k[0] == poll_id for k in services._SIGNING_KEYS)
    signed_voter(app, client, poll_id, "d002")  # parsed again when needed
    key = next(k for k in services._SIGNING_KEYS if k[0] == poll_id)
    services._SIGNING_KEYS[key] = (services._SIGNING_KEYS[key][0], time.monotonic() - 3600)
    client.get("/healthz")  # any request runs the purge
    assert not any(k[0] == poll_id for k in services._SIGNING_KEYS)
