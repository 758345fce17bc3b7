"""`python -m voting.verify` on an evaluation result exactly as on a selection: it passes on
the published documents, and a forged rating, rectification list or overall rate fails."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.supervision.evaluating import evaluated
from voting.tally import keys
from voting.verify import main


@pytest.fixture
def saved(app, client, sitting, tmp_path):
    year = evaluated(app, sitting)
    r = client.get(f"/results/{year['evaluation']}/public-documents.zip")
    assert r.status_code == 200
    folder = tmp_path / "saved"
    zipfile.ZipFile(io.BytesIO(r.data)).extractall(folder)
    return folder, keys.current_key(app).public_key


def run(capsys, *args):
    status = main([str(a) for a in args] + ["--lang", "en"])
    return status, capsys.readouterr().out


def _edit(folder, change):
    path = folder / "result.json"
    doc = json.loads(path.read_text("utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")


def test_an_evaluation_result_verifies(saved, capsys):
    folder, key = saved
    status, out = run(capsys, folder, "--signing-key", key)
    assert status == 0, out
    assert "✓ Recount" in out and "72.73" in out


def test_a_live_site_evaluation_verifies(app, live_server, sitting, capsys):
    year = evaluated(app, sitting)
    status, out = run(capsys, live_server, year["evaluation"])
    assert status == 0, out


@pytest.mark.parametrize("change, named", [
    (lambda d: d["ratings"].update(c03="basic"),
     "ratings (c03: result says basic, recount gives dissatisfied)"),
    (lambda d: d.update(rectify=[]), "rectify"),
    (lambda d: d.update(overall_rate="98.56"), "overall_rate"),
    (lambda d: d["counts"]["c01"].update(satisfied=4), "counts"),
])
def test_a_forged_rating_is_caught(saved, capsys, change, named):
    folder, key = saved
    _edit(folder, change)
    status, out = run(capsys, folder, "--signing-key", key)
    assert status == 1
    assert "✗ Recount" in out and named in out, out
