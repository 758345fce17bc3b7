"""The poll's private key is parsed once per process for issuing tokens, and forgotten when
the poll closes (the key row is deleted then: no copy may outlive it in a worker)."""

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
