"""The independent verifier (python -m voting.verify) on saved public documents and a live site:
every check, the pins (--signing-key, --poll-key-fingerprint), the exit codes, the language."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import datetime, timezone

import pytest

from tests.helpers import app_db, user
from tests.polls import cast, poll_in_database, roster, sign_ballot
from voting.audit import chain
from voting.crypto import blind_rsa, result_signing
from voting.i18n import translated
from voting.tally import board as boardlib
from voting.tally import keys, replacements, services
from voting.tally.services import Paper
from voting.verify import _joined, main
from voting.verify_words import WORDS, language


@pytest.fixture
def published(app, poll_key, sitting):
    """A published poll: 10 deputies, 5 candidates, 2 seats; returns its id."""
    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 10, poll=poll)
        cast(s, poll_key, poll, [["c1", "c2"]] * 6 + [["c2", "c3"]] * 3 + [["c4"]])
        services.tally_poll(s, user(s, "clerk"), poll.id, app.instance_path)
        services.publish_poll(s, user(s, "clerk"), poll.id)
        return poll.id


@pytest.fixture
def real_key(app, published):
    return keys.current_key(app).public_key


@pytest.fixture
def saved(client, published, tmp_path):
    """The announcement page's download, unpacked into a directory."""
    r = client.get(f"/results/{published}/public-documents.zip")
    assert r.status_code == 200
    folder = tmp_path / "saved"
    zipfile.ZipFile(io.BytesIO(r.data)).extractall(folder)
    (tmp_path / "saved.zip").write_bytes(r.data)
    return folder


def _read(folder, name):
    return json.loads((folder / name).read_text("utf-8"))


def _edit(folder, name, change):
    doc = _read(folder, name)
    change(doc)
    (folder / name).write_text(json.dumps(doc, ensure_ascii=False), "utf-8")


def run(capsys, *args, lang="en"):
    """main() in a language; returns (exit status, output)."""
    status = main([str(a) for a in args] + (["--lang", lang] if lang else []))
    return status, capsys.readouterr().out


def _rehash(entries):
    """Recompute the whole chain after editing entries: anyone can, it has no key."""
    prev = chain.GENESIS_HASH
    for e in entries:
        e["prev_hash"] = prev
        e["hash"] = prev = chain.entry_hash(**{k: e[k] for k in chain.HASHED_FIELDS})


def test_passes_on_the_download_with_the_signing_key(saved, published, real_key, capsys):
    status, out = run(capsys, saved.parent / "saved.zip", published, "--signing-key", real_key)
    assert status == 0, out
    assert "✗" not in out and out.count("✓") >= 12
    assert f"VERDICT: the published result of poll {published} is correct" in out
    assert "✓ Audit log:" in out and "✓ Turnout:" in out


def test_a_copy_without_a_signing_key_is_consistent_but_unauthenticated(saved, capsys):
    status, out = run(capsys, saved)
    assert status == 3, out
    assert "✗" not in out
    assert "consistent but unauthenticated" in out
    # The copy's own keys.json does not count: emptying it changes nothing.
    _edit(saved, "keys.json", lambda d: d["result_signing_keys"].clear())
    assert run(capsys, saved)[0] == 3


def test_one_ballot_removed_is_caught(saved, capsys):
    _edit(saved, "ballots.json", lambda d: d["ballots"].pop(3))
    status, out = run(capsys, saved)
    assert status == 1
    assert "✗ Board digest" in out and "✗ Ballots cast" in out
    assert "✓ Ballot signatures" in out  # the ballots left are genuine
    assert "FAILED" in out


def test_a_changed_count_is_caught(saved, capsys):
    def change(doc):
        doc["counts"]["c3"] += 1

    _edit(saved, "result.json", change)
    status, out = run(capsys, saved)
    assert status == 1
    assert "✗ Recount: counts (c3: result says 4, recount gives 3)" in out
    assert "✗ Result signature" in out
    assert "✓ Board digest" in out


def test_a_forged_ballot_is_caught(saved, capsys):
    def forge(doc):
        doc["ballots"][0]["choices"] = ["c5"]
        doc["ballots"][0]["sig"] = doc["ballots"][1]["sig"]

    _edit(saved, "ballots.json", forge)
    status, out = run(capsys, saved)
    assert status == 1
    assert "✗ Ballot signatures: 1 of 10 do not verify" in out


def test_an_unknown_signing_key_is_caught(saved, capsys):
    status, out = run(capsys, saved, "--signing-key", "A" * 43)
    assert status == 1 and "✗ Result-signing key" in out


def _remint(folder, new_choices=None):
    """The forgery of issue 8, consistent in every other respect: every ballot re-minted
    under a new poll key (new choices too), the result recounted and re-signed with a new
    Ed25519 key put into the copy's keys.json, the audit log rewritten to match."""
    poll_doc, result = _read(folder, "poll.json"), _read(folder, "result.json")
    board = _read(folder, "ballots.json")
    key = blind_rsa.generate_private_key(2048)
    pem, fp = blind_rsa.public_key_pem(key.public_key()), blind_rsa.key_fingerprint(key.public_key())
    ballots = []
    for i, b in enumerate(board["ballots"]):
        choices = new_choices[i] if new_choices else b["choices"]
        forged = sign_ballot(key, sorted(choices))
        forged["receipt"] = b["receipt"]
        ballots.append(forged)
    ballots.sort(key=lambda b: b["msg"])
    board.update(ballots=ballots, key_fingerprint=fp)
    poll_doc.update(public_key_pem=pem, key_fingerprint=fp)
    body = {k: v for k, v in result.items() if k not in ("signature", "signing_key")}
    body.update(key_fingerprint=fp, board_digest=boardlib.board_digest(ballots))
    body.update(boardlib.recount(body, ballots))
    audit = _read(folder, "audit.json")
    for e in audit["entries"]:
        if e["object_type"] == "poll" and e["object_id"] == str(result["poll_id"]):
            if "key_fingerprint" in e["details"]:
                e["details"]["key_fingerprint"] = fp
            if "board_digest" in e["details"]:
                e["details"]["board_digest"] = body["board_digest"]
    _rehash(audit["entries"])
    body["audit_head"] = audit["entries"][result["audit_seq"] - 1]["hash"]
    audit["head"] = audit["entries"][-1]["hash"]
    signer = result_signing.generate_key()
    signed = result_signing.sign_document(signer, body)
    keys_doc = _read(folder, "keys.json")
    keys_doc["result_signing_keys"].append({
        "key": result_signing.public_key_text(signer), "retired": None,
        "fingerprint": result_signing.fingerprint(signer),
        "created": datetime.now(timezone.utc).isoformat()})
    for name, doc in (("poll.json", poll_doc), ("ballots.json", board), ("result.json", signed),
                      ("keys.json", keys_doc), ("audit.json", audit)):
        (folder / name).write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return signed


def test_a_reminted_copy_is_unauthenticated_and_fails_either_pin(saved, published, real_key,
                                                                capsys):
    poll_fp = _read(saved, "poll.json")["key_fingerprint"]
    forged = _remint(saved, new_choices=[["c5"]] * 10)
    assert forged["elected"] == ["c5"] and forged["counts"]["c5"] == 10
    status, out = run(capsys, saved)
    assert status == 3, out  # consistent in itself: only a pin can tell
    assert "✗" not in out and "consistent but unauthenticated" in out

    status, out = run(capsys, saved, "--signing-key", real_key)
    assert status == 1
    assert f"✗ Result-signing key: signed by {forged['signing_key']}, not {real_key}" in out

    grouped = " ".join(poll_fp[i:i + 4] for i in range(0, 64, 4)).upper()
    status, out = run(capsys, saved, f"--poll-key-fingerprint={grouped}")
    assert status == 1
    assert (f"✗ Key fingerprint read out in the hall: the ballots are under poll key "
            f"{forged['key_fingerprint']}, not the one read out in the hall {poll_fp}") in out


def test_a_lazy_forgery_is_caught_by_the_audit_log(saved, capsys):
    """Re-minted and re-signed, but the public log still records the real poll key and
    board digest: inconsistent even without a pin."""
    audit = (saved / "audit.json").read_text("utf-8")
    _remint(saved)
    (saved / "audit.json").write_text(audit, "utf-8")
    status, out = run(capsys, saved)
    assert status == 1
    assert "✗ Audit log" in out


def test_a_cut_audit_log_is_named(saved, real_key, capsys):
    entries = _read(saved, "audit.json")["entries"]
    result = _read(saved, "result.json")
    assert result["audit_head"] == entries[result["audit_seq"] - 1]["hash"]
    assert entries[result["audit_seq"] - 1]["action"] == "poll.tally"
    last = len(entries) - 3
    _edit(saved, "audit.json", lambda d: d.update(entries=d["entries"][:-3]))
    status, out = run(capsys, saved, "--signing-key", real_key)
    assert status == 1
    assert (f"✗ Audit log: the log ends at entry {last} but the result anchors entry "
            f"{result['audit_seq']} ({result['audit_head']}): entries {last + 1}–"
            f"{result['audit_seq']} (at least) were cut off") in out
    status, out = run(capsys, saved, "--signing-key", real_key, lang="zh")
    assert "✗ 审计日志：" in out and "被截去" in out


def test_a_rewritten_audit_entry_is_named(saved, real_key, capsys):
    def rewrite(doc):
        doc["entries"][1]["actor"] = "mallory"

    _edit(saved, "audit.json", rewrite)
    status, out = run(capsys, saved, "--signing-key", real_key)
    assert status == 1 and "✗ Audit log: entry 2 does not match its hash" in out


def _dash_key():
    """Ed25519 keys until one's base64url starts with '-' (about one in 64)."""
    while True:
        key = result_signing.generate_key()
        if result_signing.public_key_text(key).startswith("-"):
            return key


def test_a_signing_key_starting_with_a_dash_works_in_both_forms(saved, capsys):
    key = _dash_key()
    text = result_signing.public_key_text(key)
    result = _read(saved, "result.json")
    signed = result_signing.sign_document(key, result)
    (saved / "result.json").write_text(json.dumps(signed, ensure_ascii=False), "utf-8")
    for args in (["--signing-key", text], [f"--signing-key={text}"]):
        status, out = run(capsys, saved, *args)
        assert status == 0, out
        assert "✓ Result-signing key" in out
    other = result_signing.public_key_text(_dash_key())
    for args in (["--signing-key", other], [f"--signing-key={other}"]):
        status, out = run(capsys, saved, *args)
        assert status == 1 and f"not {other}" in out


def test_flags_are_joined_with_their_values():
    assert _joined(["x", "--signing-key", "-abc", "--poll-key-fingerprint", "ab cd"]) == [
        "x", "--signing-key=-abc", "--poll-key-fingerprint=ab cd"]
    assert _joined(["x", "--signing-key"]) == ["x", "--signing-key"]  # argparse says what's wrong


def test_malformed_pins_are_refused_before_loading(saved, capsys):
    assert run(capsys, saved, "--poll-key-fingerprint", "abc")[0] == 2
    assert run(capsys, saved, "--signing-key", "not a key")[0] == 2


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES",
                                                            "LANGUAGE")}
    return {**env, **extra}


def test_chinese_by_default_english_with_lang_en(saved, tmp_path):
    zh = subprocess.run([sys.executable, "-m", "voting.verify", str(saved)], env=_env(),
                        capture_output=True, text=True, timeout=120)
    assert zh.returncode == 3, zh.stdout + zh.stderr
    assert "结论：内容一致，但未经认证" in zh.stdout and "✓ 公示板摘要：" in zh.stdout
    assert "VERDICT" not in zh.stdout
    en = subprocess.run([sys.executable, "-m", "voting.verify", str(saved)],
                        env=_env(LANG="en_US.UTF-8"), capture_output=True, text=True,
                        timeout=120)
    assert en.returncode == 3 and "VERDICT: consistent but unauthenticated" in en.stdout
    assert "✓ Board digest:" in en.stdout


@pytest.mark.parametrize(("environ", "lang"), [
    ({}, "zh"), ({"LANG": "en"}, "en"), ({"LC_ALL": "en_GB.UTF-8"}, "en"),
    ({"LANGUAGE": "en_US:en"}, "en"), ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"), ({"LANG": "C.UTF-8"}, "zh"),
])
def test_language_from_the_environment(environ, lang):
    assert language(None, environ) == lang
    assert language("en", environ) == "en" and language("zh", environ) == "zh"


def test_the_same_words_as_the_site():
    site = translated()
    shared = [w for w in ("Key fingerprint", "Board digest", "Ballots cast", "Candidates",
                          "Audit log", "Poll", "Bulletin board")]
    for word in shared:
        assert WORDS[word][0] == site[word], word


def test_runs_with_cryptography_alone(saved, tmp_path):
    """No Flask, no Babel, no SQLAlchemy: the verifier imports none of them."""
    blocker = ("import sys, runpy\n"
               "class Block:\n"
               "    def find_spec(self, name, path=None, target=None):\n"
               "        if name.split('.')[0] in ('flask', 'flask_babel', 'babel', 'sqlalchemy',"
               " 'werkzeug', 'jinja2', 'wtforms'):\n"
               "            raise ImportError('blocked: ' + name)\n"
               "sys.meta_path.insert(0, Block())\n"
               "sys.argv = ['verify'] + sys.argv[1:]\n"
               "runpy.run_module('voting.verify', run_name='__main__')\n")
    run_ = subprocess.run([sys.executable, "-c", blocker, str(saved), "--lang", "en"],
                          capture_output=True, text=True, timeout=120, env=_env())
    assert run_.returncode == 3, run_.stdout + run_.stderr
    assert "blocked" not in run_.stderr


def test_missing_documents_exit_2(tmp_path, capsys):
    status, out = run(capsys, tmp_path)
    assert status == 2 and "cannot verify" in out


def test_a_copy_without_its_audit_log_cannot_be_verified(saved, capsys):
    (saved / "audit.json").unlink()
    status, out = run(capsys, saved)
    assert status == 2 and "audit.json" in out


def test_passes_against_a_live_site(live_server, published, real_key, capsys):
    status, out = run(capsys, live_server, published)
    assert status == 0, out
    assert "✗" not in out and "VERDICT: the published result" in out
    assert f"listed by {live_server}" in out
    assert run(capsys, live_server, published, "--signing-key", "A" * 43)[0] == 1
    assert run(capsys, live_server, published, "--signing-key", real_key)[0] == 0


def test_a_live_site_checks_the_hall_fingerprint(app, live_server, published, capsys):
    with app_db(app) as s:
        fp = services.get_poll(s, published).key_fingerprint
    status, out = run(capsys, live_server, published, "--poll-key-fingerprint", fp)
    assert status == 0 and "✓ Key fingerprint read out in the hall" in out
    wrong = ("0" if fp[0] != "0" else "1") + fp[1:]
    status, out = run(capsys, live_server, published, "--poll-key-fingerprint", wrong)
    assert status == 1 and "✗ Key fingerprint read out in the hall" in out


def test_passes_and_catches_a_change_on_a_for_against_poll(app, client, poll_key,
                                                           sitting, tmp_path, capsys):
    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id, kind="for_against", candidates=3, seats=2)
        roster(s, congress_id, session_id, 6, poll=poll)
        cast(s, poll_key, poll, [{"c1": "for", "c2": "against"}] * 4 + [{"c3": "for"}] * 2)
        services.tally_poll(s, user(s, "clerk"), poll.id, app.instance_path)
        services.publish_poll(s, user(s, "clerk"), poll.id)
        poll_id = poll.id
    path = tmp_path / "fa.zip"
    path.write_bytes(client.get(f"/results/{poll_id}/public-documents.zip").data)
    assert run(capsys, path, "--signing-key", keys.current_key(app).public_key)[0] == 0
    folder = tmp_path / "fa"
    zipfile.ZipFile(path).extractall(folder)

    def change(doc):
        doc["against"]["c2"] = 3

    _edit(folder, "result.json", change)
    status, out = run(capsys, folder)
    assert status == 1
    assert "✗ Recount: against (c2: result says 3, recount gives 4)" in out


def test_a_malformed_board_is_reported_not_crashed_on(saved, capsys):
    _edit(saved, "ballots.json", lambda d: d["ballots"][2].pop("sig"))
    status, out = run(capsys, saved)
    assert status == 1 and "✗ Bulletin board: entries 2 lack" in out


# ---- the turnout's arithmetic -------------------------------------------------------------------

def _paper_poll(app, poll_key, sitting, monkeypatch, *, present, tokens, paper,
                replaced=0):
    """A closed poll: `present` of `present` deputies checked in, `tokens` of them issued a
    token and voting electronically, `paper` paper ballots issued and returned (the
    reconciled paper record stands in for the tellers' entries), `replaced` of the token
    holders recorded as given a paper ballot instead."""
    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id)
        deputies = roster(s, congress_id, session_id, present, poll=poll, tokens=tokens)
        cast(s, poll_key, poll, [["c1"]] * (tokens - replaced))
        for d in deputies[:replaced]:
            replacements.record_replacement(s, user(s, "clerk"), poll_id=poll.id, number=d.number,
                                            reason="手机丢失")
        poll_id = poll.id
    monkeypatch.setattr(services, "_paper", lambda db, poll: Paper(
        issued=paper, returned=paper, ballots=[["c2"]] * paper))
    return poll_id


def test_24_tokens_and_7_paper_from_30_present_fail_the_tally_and_the_verifier(
        app, client, poll_key, sitting, monkeypatch, tmp_path, capsys):
    poll_id = _paper_poll(app, poll_key, sitting, monkeypatch, present=30, tokens=24, paper=7)
    with app_db(app) as s, pytest.raises(services.Conflict) as err:
        services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path)
    assert err.value.code == "turnout_mismatch"
    message = str(err.value.message)
    assert "31" in message and "30" in message and "24" in message and "7" in message
    # A server that skipped the check, signing with the real key through the service code:
    monkeypatch.setattr(services, "check_turnout", lambda turnout: None)
    with app_db(app) as s:
        services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path)
        services.publish_poll(s, user(s, "clerk"), poll_id)
    path = tmp_path / "p.zip"
    path.write_bytes(client.get(f"/results/{poll_id}/public-documents.zip").data)
    status, out = run(capsys, path, "--signing-key", keys.current_key(app).public_key)
    assert status == 1
    assert "✗ Turnout: 31 ballots cast but only 30 deputies present" in out
    assert ("24 tokens and 7 paper ballots issued to 30 deputies present with 0 listed "
            "replacement(s)") in out
    assert "✓ Result signature" in out and "✓ Result-signing key" in out


def test_recorded_replacements_are_accepted_and_listed(app, client, poll_key, sitting,
                                                       monkeypatch, tmp_path, capsys):
    """30 present, 30 tokens; 2 deputies lost their phones and got paper ballots instead:
    28 electronic + 2 paper, 32 ballots issued to 30 deputies, 2 of them replacements."""
    poll_id = _paper_poll(app, poll_key, sitting, monkeypatch, present=30, tokens=30, paper=2,
                          replaced=2)
    with app_db(app) as s:
        doc = services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path).document
        services.publish_poll(s, user(s, "clerk"), poll_id)
    assert doc["replacements"] == [{"number": "001", "name": "代表001"},
                                   {"number": "002", "name": "代表002"}]
    assert (doc["tokens_issued"], doc["paper"]["issued"], doc["ballots_cast"]) == (30, 2, 30)
    path = tmp_path / "r.zip"
    path.write_bytes(client.get(f"/results/{poll_id}/public-documents.zip").data)
    status, out = run(capsys, path, "--signing-key", keys.current_key(app).public_key)
    assert status == 0, out
    assert "2 replacement(s)" in out
    folder = tmp_path / "r"
    zipfile.ZipFile(path).extractall(folder)
    # Drop one listed replacement (and re-sign with a key of one's own): the arithmetic fails.
    result = _read(folder, "result.json")
    result["replacements"].pop()
    signed = result_signing.sign_document(result_signing.generate_key(), result)
    (folder / "result.json").write_text(json.dumps(signed, ensure_ascii=False), "utf-8")
    status, out = run(capsys, folder)
    assert status == 1
    assert "✗ Turnout" in out and "with 1 listed replacement(s)" in out


def test_a_replaced_token_that_was_used_as_well_is_refused(app, poll_key, sitting,
                                                           monkeypatch):
    """25 present, 20 tokens, one replaced; but all 20 tokens were cast: a double vote."""
    poll_id = _paper_poll(app, poll_key, sitting, monkeypatch, present=25, tokens=20, paper=1,
                          replaced=1)
    with app_db(app) as s:
        p = services.get_poll(s, poll_id)
        cast(s, poll_key, p, [["c3"]])
    with app_db(app) as s, pytest.raises(services.Conflict) as err:
        services.tally_poll(s, user(s, "clerk"), poll_id, app.instance_path)
    assert "a replaced token was used as well" in str(err.value.message) or \
        "被替代" in str(err.value.message)


def test_the_signed_result_carries_the_audit_head(app, published):
    from voting.audit.services import audit_document

    with app_db(app) as s:
        doc = services.get_result(s, published).document
        entries = audit_document(s)["entries"]
    tally = entries[doc["audit_seq"] - 1]
    assert tally["hash"] == doc["audit_head"] and tally["action"] == "poll.tally"
    assert tally["details"]["board_digest"] == doc["board_digest"]


def test_the_public_audit_json_lists_hashes_that_chain(client, published):
    doc = client.get("/api/v1/audit").get_json()
    report = chain.check_entries(doc["entries"])
    assert report.ok and doc["head"] == doc["entries"][-1]["hash"]


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_on_a_terminal_the_share_checked_goes_to_stderr_and_stdout_is_unchanged(
        saved, real_key, capsys, monkeypatch):
    status, plain = run(capsys, saved, "--signing-key", real_key, lang="zh")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    status_tty, shown = run(capsys, saved, "--signing-key", real_key, lang="zh")
    assert (status_tty, shown) == (status, plain) == (0, plain)
    assert terminal.getvalue().endswith("\r已核验 10 / 10 张选票的签名（100%）\n")


def test_the_verifier_checks_a_large_board_in_chunks_on_every_core(app, client, poll_key,
                                                                   sitting, capsys, tmp_path,
                                                                   monkeypatch):
    """Small chunks and two threads (as on 100,000 ballots), and one forged ballot among
    them: named, and the board digest still computed the plain way."""
    monkeypatch.setattr(boardlib, "CHUNK", 3)
    monkeypatch.setattr(boardlib, "PARALLEL_FROM", 1)
    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = poll_in_database(s, poll_key, session_id)
        roster(s, congress_id, session_id, 12, poll=poll)
        cast(s, poll_key, poll, [["c1"]] * 8 + [["c2", "c1"]] * 4)
        services.tally_poll(s, user(s, "clerk"), poll.id, app.instance_path)
        services.publish_poll(s, user(s, "clerk"), poll.id)
        poll_id = poll.id
    r = client.get(f"/results/{poll_id}/public-documents.zip")
    folder = tmp_path / "large"
    zipfile.ZipFile(io.BytesIO(r.data)).extractall(folder)
    status, out = run(capsys, folder)
    assert status == 3 and "✓ Ballot signatures: all 12" in out and "✓ Board digest" in out
    forged = _read(folder, "ballots.json")["ballots"][7]
    _edit(folder, "ballots.json",
          lambda d: d["ballots"][7].update(sig=d["ballots"][6]["sig"]))
    status, out = run(capsys, folder)
    assert status == 1 and forged["msg"] in out and "✗ Ballot signatures" in out
    assert "✗ Board digest" in out  # the board changed, so its digest did
