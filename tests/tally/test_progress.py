"""The count's progress, readable by another worker while the count runs; and the fast paths
of the count (signature chunks, the digest written straight into the hash), which must give
exactly what the plain code gives."""

from __future__ import annotations

import io
import random
import secrets

import pytest
from sqlalchemy import inspect, select

from tests.helpers import app_db, login, user
from tests.polls import closed_poll
from voting import db
from voting.crypto.encoding import b64url_decode, b64url_encode
from voting.tally import board, progress, services
from voting.tally.cli import terminal_progress
from voting.tally.models import CountProgress, PollResult


def _closed_poll(app, poll_key, sitting, ballots):
    return closed_poll(app, poll_key, sitting, ballots, deputies=len(ballots))[0]


def _count(app, poll_id, echo=None):
    with app_db(app) as s:
        return services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path,
                                   echo=echo).signed


def test_another_connection_sees_the_progress_while_the_count_is_uncommitted(
        app, poll_key, sitting, monkeypatch):
    monkeypatch.setattr(progress, "EVERY_SECONDS", 0)
    monkeypatch.setattr(board, "CHUNK", 3)
    poll_id = _closed_poll(app, poll_key, sitting, [["c1"]] * 7 + [["c2", "c3"]] * 3)
    seen = []

    def echo(checked, total):
        # Another session, as another worker would: the count's transaction is still open.
        with app.app_context():
            other = db.new_session()
            try:
                row = progress.read(other, poll_id)
                assert other.get(PollResult, 1) is None  # nothing of the count committed
                seen.append((checked, total, row.checked, row.total))
            finally:
                other.close()

    _count(app, poll_id, echo)
    assert seen[0] == (0, 10, 0, 10)
    assert seen[-1] == (10, 10, 10, 10)
    assert [c for c, *_ in seen] == sorted(c for c, *_ in seen)
    assert len(seen) >= 3  # it moved on while counting, chunk by chunk
    assert all(checked == row_checked for checked, _t, row_checked, _rt in seen)


def test_the_progress_holds_counts_only(app):
    columns = {c["name"] for c in inspect(app.extensions["db_engine"]).get_columns(
        "count_progress")}
    assert columns == {"poll_id", "checked", "total", "updated_at"}


def test_a_count_goes_on_when_its_progress_cannot_be_written(app, poll_key, sitting):
    poll_id = _closed_poll(app, poll_key, sitting, [["c1"]] * 3)
    CountProgress.__table__.drop(app.extensions["db_engine"])
    try:
        assert _count(app, poll_id)["elected"] == ["c1"]
    finally:
        CountProgress.__table__.create(app.extensions["db_engine"])


def test_a_failed_count_leaves_no_lock_and_the_next_one_starts_again(app, poll_key, sitting,
                                                                     monkeypatch):
    poll_id = _closed_poll(app, poll_key, sitting, [["c1"]] * 4)
    with app_db(app) as s:
        first, second = s.scalars(select(services.Ballot)
                                  .where(services.Ballot.poll_id == poll_id)).all()[:2]
        first.sig = second.sig  # another token's signature
    with pytest.raises(services.Conflict):
        _count(app, poll_id)
    with app_db(app) as s:
        assert (progress.read(s, poll_id).checked, progress.read(s, poll_id).total) == (4, 4)


def test_the_progress_endpoint_answers_in_words_and_numbers(app, client, poll_key, sitting):
    poll_id = _closed_poll(app, poll_key, sitting, [["c1"]])
    login(client, "clerk")
    before = client.get(f"/tally/polls/{poll_id}/progress").get_json()
    assert before == {"poll_id": poll_id, "status": "closed", "checked": 0, "total": None,
                      "percent": 0, "text": "正在读取选票…"}
    with app_db(app) as s:
        s.add(CountProgress(poll_id=poll_id, checked=45_000, total=100_000))
    r = client.get(f"/tally/polls/{poll_id}/progress")
    assert r.headers["Cache-Control"] == "no-store"
    assert r.get_json()["percent"] == 45
    assert r.get_json()["text"] == "已核验 45,000 / 100,000 张（45%）"
    english = client.get(f"/tally/polls/{poll_id}/progress?lang=en").get_json()["text"]
    assert english == "Checked 45,000 of 100,000 ballots (45%)"


def test_the_progress_endpoint_is_for_the_count_staff(app, client, poll_key, sitting):
    poll_id = _closed_poll(app, poll_key, sitting, [["c1"]])
    r = client.get(f"/tally/polls/{poll_id}/progress")
    assert r.status_code in (302, 401) and "45" not in r.get_data(as_text=True)


def test_the_command_line_shows_a_percentage_on_stderr(app):
    out = io.StringIO()
    with app.app_context():
        echo = terminal_progress(out)
        echo(0, 200)
        echo(90, 200)
        echo(200, 200)
    assert out.getvalue() == ("\r已核验 0 / 200 张（0%）\r已核验 90 / 200 张（45%）"
                              "\r已核验 200 / 200 张（100%）\n")


def test_percent_reaches_100_only_at_the_end():
    assert progress.percent(99_999, 100_000) == 99
    assert progress.percent(100_000, 100_000) == 100
    assert progress.percent(0, 0) == 100


# ---- the fast paths give what the plain code gives ----------------------------------------------

def _entry(rng, choices):
    return {"msg": b64url_encode(rng.randbytes(32)), "msg_prefix": b64url_encode(rng.randbytes(32)),
            "sig": b64url_encode(rng.randbytes(rng.choice((256, 384, 385, 386)))),
            "choices": choices}


def test_the_fast_digest_is_the_canonical_digest():
    rng = random.Random(7)
    ids = ["c1", "c2", "c10", "项目甲", "a\"b", "x\\y", "tab\t", "é"]
    ballots = [_entry(rng, rng.sample(ids, rng.randint(0, 4))) for _ in range(5000)]
    ballots += [_entry(rng, {"c1": "for", "c2": "against"}), _entry(rng, {"c2": "x", "c1": "y"}),
                _entry(rng, []), _entry(rng, [1]), _entry(rng, [True]), _entry(rng, [1.0])]
    rng.shuffle(ballots)
    ordered = sorted(ballots, key=lambda b: b["msg"])
    canon = board.canonical_choices(board.shared_choices(ordered))
    fast = board.safe_digest((b["msg"], b["msg_prefix"], b["sig"], c)
                             for b, c in zip(ordered, canon))
    assert fast == board.board_digest(ballots)
    assert board.safe_digest([]) == board.board_digest([])


def test_equal_but_different_choices_are_not_shared():
    """1, 1.0 and True are equal dict keys but different JSON: a board must not pass for
    another because the two were taken for one."""
    ballots = [{"choices": c} for c in ([1], [True], [1.0], ["1"], ["1"], ["b", "a"])]
    shared = board.shared_choices(ballots)
    assert board.canonical_choices(shared) == ['[1]', '[true]', '[1.0]', '["1"]', '["1"]',
                                               '["a","b"]']
    assert shared[3] is shared[4] and shared[0] is not shared[1]


EDGE = ["", "QQ", "QUI", "QUJD", "QR", "Q", "QQ=", "QQ==", "a b", "a\nbc", "ab+c", "ab/c",
        "é123", "abc\x00", "-_-_", "____", "AAAAA", "AB-_xy"]


@pytest.mark.parametrize("text", EDGE)
def test_decoding_is_exactly_the_protocols_strict_base64url(text):
    try:
        expected = b64url_decode(text)
    except ValueError:
        expected = None
    try:
        one = board._decode(text)
    except (ValueError, TypeError):
        one = None
    assert one == expected
    many = board._decode_many([text, "QUJD", text])
    assert many == (None if expected is None else [expected, b"ABC", expected])


def test_decoding_many_of_every_length():
    data = [secrets.token_bytes(n) for n in range(0, 40)] * 3
    texts = [b64url_encode(d) for d in data]
    assert board._decode_many(texts) == data
    with pytest.raises(TypeError):
        board._decode_many([None])


def test_the_signature_check_names_each_bad_ballot_in_every_chunk(poll_key):
    from tests.polls import sign_ballot
    from voting.crypto import blind_rsa

    good = [sign_ballot(poll_key, ["c1"]) for _ in range(9)]
    forged = dict(good[1], sig=b64url_encode(secrets.token_bytes(256)))
    broken = dict(good[4], msg_prefix="not base64url!")
    missing = {k: v for k, v in good[7].items() if k != "sig"}
    ballots = good[:1] + [forged] + good[2:4] + [broken] + good[5:7] + [missing] + good[8:]
    pem = blind_rsa.public_key_pem(poll_key.public_key())
    for workers in (1, 2):
        for chunk in (1, 2, 4, 100):
            board.CHUNK, old = chunk, board.CHUNK
            try:
                bad = board.bad_signatures(pem, ballots, workers=workers)
            finally:
                board.CHUNK = old
            assert bad == [forged["msg"], broken["msg"], missing["msg"]], (workers, chunk)
