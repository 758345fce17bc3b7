"""The independent verifier (python -m voting.verify) on saved public documents."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import pytest

from tests.tally.conftest import (app_db, cast, clerk, make_poll, poll_key,  # noqa: F401
                                  roster, sitting, user)
from voting.tally import services
from voting.verify import main


@pytest.fixture
def published(app, poll_key, sitting):  # noqa: F811
    """A published poll: 10 deputies, 5 candidates, 2 seats; returns its id."""
    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = make_poll(s, poll_key, session_id)
        roster(s, congress_id, session_id, 10, poll=poll)
        cast(s, poll_key, poll, [["c1", "c2"]] * 6 + [["c2", "c3"]] * 3 + [["c4"]])
        services.tally_poll(s, user(s, "clerk"), poll.id, app.instance_path)
        services.publish_poll(s, user(s, "clerk"), poll.id)
        return poll.id


@pytest.fixture
def saved(client, published, tmp_path):
    """The announcement page's download, unpacked into a directory."""
    r = client.get(f"/results/{published}/public-documents.zip")
    assert r.status_code == 200
    folder = tmp_path / "saved"
    zipfile.ZipFile(io.BytesIO(r.data)).extractall(folder)
    (tmp_path / "saved.zip").write_bytes(r.data)
    return folder


def _edit(folder, name, change):
    path = folder / name
    doc = json.loads(path.read_text("utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")


def test_passes_on_the_download(saved, published, capsys):
    assert main([str(saved.parent / "saved.zip"), str(published)]) == 0
    out = capsys.readouterr().out
    assert "✗" not in out and out.count("✓") >= 10
    assert "VERDICT: the published result" in out


def test_one_ballot_removed_is_caught(saved, capsys):
    _edit(saved, "ballots.json", lambda d: d["ballots"].pop(3))
    assert main([str(saved)]) == 1
    out = capsys.readouterr().out
    assert "✗ board digest" in out and "✗ ballot count" in out
    assert "✓ ballot signatures" in out  # the ballots left are genuine
    assert "FAILED" in out


def test_a_changed_count_is_caught(saved, capsys):
    def change(doc):
        doc["counts"]["c3"] += 1

    _edit(saved, "result.json", change)
    assert main([str(saved)]) == 1
    out = capsys.readouterr().out
    assert "✗ recount: counts (c3: result says 4, recount gives 3)" in out
    assert "✗ result signature" in out
    assert "✓ board digest" in out


def test_a_forged_ballot_is_caught(saved, capsys):
    def forge(doc):
        doc["ballots"][0]["choices"] = ["c5"]
        doc["ballots"][0]["sig"] = doc["ballots"][1]["sig"]

    _edit(saved, "ballots.json", forge)
    assert main([str(saved)]) == 1
    out = capsys.readouterr().out
    assert "✗ ballot signatures: 1 of 10 do not verify" in out


def test_an_unknown_signing_key_is_caught(saved, capsys):
    assert main([str(saved), "--signing-key", "A" * 43]) == 1
    assert "✗ signing key" in capsys.readouterr().out
    _edit(saved, "keys.json", lambda d: d["result_signing_keys"].clear())
    assert main([str(saved)]) == 1
    assert "✗ signing key" in capsys.readouterr().out


def test_runs_as_a_module(saved):
    run = subprocess.run([sys.executable, "-m", "voting.verify", str(saved)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "VERDICT" in run.stdout


def test_missing_documents_exit_2(tmp_path, capsys):
    assert main([str(tmp_path)]) == 2
    assert "cannot verify" in capsys.readouterr().out


def test_passes_against_a_live_site(live_server, published, capsys):
    assert main([live_server, str(published)]) == 0
    out = capsys.readouterr().out
    assert "✗" not in out and "VERDICT: the published result" in out
    assert main([live_server, str(published), "--signing-key", "A" * 43]) == 1


def test_passes_and_catches_a_change_on_a_for_against_poll(app, client, poll_key,  # noqa: F811
                                                           sitting, tmp_path, capsys):  # noqa: F811
    congress_id, session_id = sitting
    with app_db(app) as s:
        poll = make_poll(s, poll_key, session_id, kind="for_against", candidates=3, seats=2)
        roster(s, congress_id, session_id, 6, poll=poll)
        cast(s, poll_key, poll, [{"c1": "for", "c2": "against"}] * 4 + [{"c3": "for"}] * 2)
        services.tally_poll(s, user(s, "clerk"), poll.id, app.instance_path)
        services.publish_poll(s, user(s, "clerk"), poll.id)
        poll_id = poll.id
    path = tmp_path / "fa.zip"
    path.write_bytes(client.get(f"/results/{poll_id}/public-documents.zip").data)
    assert main([str(path)]) == 0
    folder = tmp_path / "fa"
    zipfile.ZipFile(path).extractall(folder)

    def change(doc):
        doc["against"]["c2"] = 3

    _edit(folder, "result.json", change)
    assert main([str(folder)]) == 1
    assert "✗ recount: against (c2: result says 3, recount gives 4)" in capsys.readouterr().out


def test_a_malformed_board_is_reported_not_crashed_on(saved, capsys):
    _edit(saved, "ballots.json", lambda d: d["ballots"][2].pop("sig"))
    assert main([str(saved)]) == 1
    assert "✗ board format: entries 2 lack" in capsys.readouterr().out
