"""The public audit page speaks the reader's language and shows every hash whole."""

import ast
from html.parser import HTMLParser
from pathlib import Path

from tests.helpers import app_db
from voting.audit import labels
from voting.audit.models import AuditEntry

PACKAGE = Path(__file__).resolve().parents[2] / "voting"
DIGEST = "ab" * 32


class _Text(HTMLParser):
    """The text a reader sees in the table (attributes left out)."""

    def __init__(self):
        super().__init__()
        self.inside, self.parts = False, []

    def handle_starttag(self, tag, attrs):
        self.inside = self.inside or tag == "table"

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def _entries(app):
    from voting.audit.services import record

    with app_db(app) as s:
        record(s, "clerk", "round.record", "screening_round", 3, year=2023, direction="reverse",
               from_stage="alternative", to_stage="pool", went_in=30, moved=[4, 5])
        record(s, "clerk", "suggestion.merge", "suggestion", 8, project_id=2, new_project=False)
        record(s, "clerk", "attendance.check_in", "attendance", 1, by_desk=True)
        record(s, "cli", "poll.tally", "poll", 1, status="tallied", board_digest=DIGEST,
               ballots_cast=31)
        record(s, "clerk", "deputy.update", "deputy", 4, changes={"name": ["张三", "张珊"]})
        return [e.hash for e in s.query(AuditEntry).all()]


def test_actions_keys_and_values_are_in_chinese(app, client):
    hashes = _entries(app)
    html = client.get("/audit").get_data(as_text=True)
    text = _visible(html)
    for raw in ("from_stage", "new_project", "round.record", "False", "True", "tallied",
                "alternative", "by_desk", "reverse", "changes"):
        assert raw not in text, raw
    for words in ("记录筛选轮次", "原阶段", "备选项目", "新阶段", "储备库", "方向", "退回",
                  "建议归并到项目", "新建项目", "否", "由报到台签到", "是", "已计票",
                  "选票公示板摘要", "姓名：张三 → 张珊", "筛选轮次 3"):
        assert words in text, words
    for h in hashes:  # every hash whole, in the copyable monospace style
        assert f'<code class="audit-hash">{h}</code>' in html
    assert f'<code class="audit-hash">{DIGEST}</code>' in html
    assert "…" not in text


def test_actions_keys_and_values_are_in_english(app, client):
    _entries(app)
    text = _visible(client.get("/audit?lang=en").get_data(as_text=True))
    for words in ("Screening round recorded", "From stage", "Alternatives", "backward",
                  "New project", "No", "Yes", "Counted", "Name: 张三 → 张珊"):
        assert words in text, words
    assert "from_stage" not in text and "False" not in text


def test_an_unknown_action_or_key_still_shows_as_its_code(app, client):
    from voting.audit.services import record

    with app_db(app) as s:
        record(s, "cli", "something.new", "widget", 1, colour="红")
    text = _visible(client.get("/audit").get_data(as_text=True))
    assert "something.new" in text and "colour" in text and "红" in text


def _recorded() -> tuple[set[str], set[str]]:
    """(actions, detail keys) of every audit record(db, actor, action, type, id, **details)
    call in the package."""
    actions, keys = set(), set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and len(node.args) >= 5
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) == "record"):
                actions |= {c.value for c in ast.walk(node.args[2])
                            if isinstance(c, ast.Constant) and isinstance(c.value, str)}
                keys |= {k.arg for k in node.keywords if k.arg}
    return actions, keys


def test_every_action_and_detail_key_the_code_records_has_words():
    """A new record(…, "domain.action", …, key=…) call needs its words here too."""
    actions, keys = _recorded()
    assert len(actions) > 20 and {"poll.tally", "round.record"} <= actions
    assert not actions - set(labels.ACTION_LABELS), sorted(actions - set(labels.ACTION_LABELS))
    assert not keys - set(labels.KEY_LABELS), sorted(keys - set(labels.KEY_LABELS))
