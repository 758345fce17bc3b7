"""A fuzz of every HTML form: each POST route of the app outside /api/v1 (Schemathesis covers
those, tests/api/test_fuzz.py), taken from the URL map so that a new form cannot be forgotten,
as a role allowed to use it (tests/test_routes_roles.py's ACCESS) in a database like the
demo's: a sitting with an open, a draft, a closed, a counted and a tied poll, a paper count,
a supervised year with its units and a rectification.

For each route the page that holds its form is fetched, the form's fields are read from the
HTML and Hypothesis submits hostile values: empty, huge, NUL and control characters, RTL
marks, emoji, full-width digits, impossible numbers and dates, fields missing or sent twice,
a wrong or missing CSRF token, bytes that are not UTF-8, garbage files. Whatever is sent:
never a server error, never a traceback or an exception's name on the page; a refused
submission (4xx, a page with an error, or a redirect carrying one) says why and changed
nothing in the database (every table's rows compared; only a session's last-seen mark may
move, and no audit entry may claim that something happened); a redirect that changed nothing
carries a message.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.helpers import HASH, PASSWORD, app_db, csrf_meta, login, user
from tests.polls import cast, poll_in_database
from tests.supervision.reporting import reporting_year
from tests.test_routes_roles import ACCESS, ACCOUNTS
from voting import create_app
from voting.auth.services import create_user
from voting.ballots.models import TokenIssuance
from voting.db import Base
from voting.pool.models import Project, Suggestion, Unit
from voting.sessions import congresses, roster
from voting.sessions.models import Attendance, Deputy
from voting.supervision.models import Rectification

# A fixed seed by default, so that CI runs the same cases every time; FUZZ_RANDOM=1 and a larger
# FUZZ_EXAMPLES explore further (as tests/api/test_fuzz.py).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
DERANDOMIZE = os.environ.get("FUZZ_RANDOM") != "1"


def _post_endpoints() -> dict[str, str]:
    """endpoint -> rule of every POST route outside the JSON API, from the app's URL map."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app("test", instance_path=tmp, DATABASE_URL="sqlite://")
        return {r.endpoint: r.rule for r in app.url_map.iter_rules()
                if "POST" in r.methods and not r.rule.startswith("/api/")}


POST_ROUTES = _post_endpoints()

# Where the form of a POST-only route is shown (a route that also answers GET shows its own).
FORM_PAGE = {
    "auth.create_account": "auth.accounts_page", "auth.reset_account": "auth.accounts_page",
    "auth.set_account_active": "auth.accounts_page", "auth.logout": "main.index",
    "ballots.manage_open": "ballots.manage_poll", "ballots.manage_close": "ballots.manage_poll",
    "pool.attach_unit_user": "pool.unit", "pool.detach_unit_user": "pool.unit",
    "pool.moderate": "pool.suggestions", "pool.confirm_import": "pool.import_file",
    "sessions.confirm_import": "sessions.import_roster",
    "supervision.report_import_confirm": "supervision.report_import",
    "sessions.create_congress": "sessions.index", "sessions.create_session": "sessions.congress",
    "sessions.desk_check_in": "sessions.desk", "sessions.my_check_in": "sessions.my_sessions",
    "sessions.reset_credentials": "sessions.roster",
    "sessions.set_deputy_active": "sessions.edit_deputy",
    "supervision.add_step": "supervision.rectification",
    "tally.add_replacement": "tally.count", "tally.set_officials": "tally.count",
    "tally.tally": "tally.count", "tally.publish": "tally.count", "tally.runoff": "tally.count",
    "tally.paper_counts": "tally.paper_page", "tally.paper_officials": "tally.paper_page",
    "tally.paper_resolve": "tally.paper_page", "tally.paper_withdraw": "tally.paper_page",
}

# The accounts of the world below, by role (a deputy, a unit of the supervised project, the
# teller who holds the paper count's first slot, the clerk).
ROLE_PREFERENCE = ("secretariat", "teller", "unit", "deputy")
# Where the first role allowed is not the one that can do the thing in the world below.
ACCOUNT = {"sessions.my_check_in": "d201", "tally.paper_withdraw": "scr_user"}
ROLE = {"tally.paper_counts": "secretariat", "tally.paper_entry": "teller",
        "tally.paper_resolve": "teller", "tally.paper_withdraw": "teller"}
# The query a page needs to show its form (the round form lists one year's stage).
PAGE_QUERY = {"pool.new_round": {"year": 2026, "stage": "pool"}}


def role_for(endpoint: str) -> str:
    allowed = ACCESS[endpoint]
    if endpoint in ROLE:
        assert ROLE[endpoint] in allowed
        return ROLE[endpoint]
    if "anonymous" in allowed and endpoint != "auth.logout":
        return "anonymous"
    return next(r for r in ROLE_PREFERENCE if r in allowed)


def test_every_form_route_is_fuzzed_with_its_page_decided():
    """A new POST route needs its form's page here (or answers GET itself), and a role allowed
    to use it: nobody can add a form the fuzz does not reach."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app("test", instance_path=tmp, DATABASE_URL="sqlite://")
        get = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}
    missing = [e for e in POST_ROUTES if e not in get and e not in FORM_PAGE]
    assert missing == [], f"say in FORM_PAGE ({__file__}) which page shows their form"
    assert sorted(set(FORM_PAGE) - set(POST_ROUTES)) == []
    for endpoint in POST_ROUTES:
        role_for(endpoint)


# ---- the world: demo-like data, a poll in each state a route needs ----------------------------

@pytest.fixture
def world(app, hall, poll_key):
    """URL arguments by name (the defaults) and by endpoint (where a route needs a poll in
    another state): hall's open poll, a draft, a closed one with ballots, a counted one, a tied
    counted one, a closed paper poll whose first slot is t_user's, a rectification."""
    from voting.tally import paper as paper_record
    from voting.tally import paper_tellers
    from voting.tally import services as tally

    ids = reporting_year(app)
    congress_id, session_id = hall["congress_id"], hall["session_id"]
    with app_db(app) as s:
        clerk = user(s, "clerk")
        suggestion = Suggestion(title="建议增设公交线路", body="内容")
        s.add(suggestion)
        draft = poll_in_database(s, poll_key, session_id, status="draft", title="草稿票决")
        closed = poll_in_database(s, poll_key, session_id, title="已结束票决")
        counted = poll_in_database(s, poll_key, session_id, title="已计票票决")
        tied = poll_in_database(s, poll_key, session_id, title="同票票决")
        # the roster is frozen while hall's poll is open: its voters are added directly
        voters = [roster.new_deputy(s, congress_id, name=f"代表{i}", number=f"{i:03d}",
                                    delegation="南岗区代表团", username=f"d{i:03d}",
                                    password_hash="x") for i in range(10, 16)]
        for d in voters:
            s.add(Attendance(session_id=session_id, deputy_id=d.id, by_desk=True))
            for poll in (closed, counted, tied):
                s.add(TokenIssuance(poll_id=poll.id, deputy_id=d.id, blinded_msg=b"x",
                                    blind_sig=b"y"))
        # a congress without an open poll: its roster and its check-in can change
        other = congresses.create_congress(s, clerk, name="哈尔滨市第十七届人民代表大会", term=17)
        other_session = congresses.create_session(s, clerk, congress_id=other.id,
                                                  name="第一次会议", year=2026)
        others = [roster.add_deputy(s, clerk, hash_method=HASH, congress_id=other.id,
                                    name=f"新代表{i}", number=f"2{i:02d}", delegation="香坊区代表团",
                                    username=f"d2{i:02d}", password=PASSWORD)[0]
                  for i in (1, 2, 3)]
        cast(s, poll_key, closed, [["c1", "c2"]] * 4 + [["c3"]] * 2)
        cast(s, poll_key, counted, [["c1", "c2"]] * 4 + [["c3"]] * 2)
        cast(s, poll_key, tied, [["c1", "c2"]] * 3 + [["c1", "c3"]] * 3)
        paper = poll_in_database(s, None, session_id, title="纸质票决", candidates=4,
                                 first_position=1)
        for username in ("t2_user", "scr_user"):
            create_user(s, hash_method=HASH, username=username, password=PASSWORD,
                        role="teller", display_name=username)
        s.flush()
        paper_tellers.set_tellers(s, clerk, paper.id, teller1_user_id=user(s, "t_user").id,
                                  teller2_user_id=user(s, "t2_user").id,
                                  scrutineer_user_id=user(s, "scr_user").id)
        paper_record.record_issued_returned(s, clerk, paper.id, 3, 3)
        paper_record.enter_ballot(s, user(s, "t_user"), paper.id, 1, 1, ["c1"])
        paper_record.enter_ballot(s, user(s, "t2_user"), paper.id, 2, 1, ["c2"])  # a mismatch
        s.add_all([Project(title=f"入库项目{i}", year=2026, stage="pool", field="城市建设")
                   for i in (1, 2, 3)])
        rect = Rectification(project_id=ids["green"], poll_id=counted.id)
        s.add(rect)
        s.flush()
        base = {"poll_id": hall["poll_id"], "session_id": session_id,
                "congress_id": congress_id, "project_id": ids["green"],
                "suggestion_id": suggestion.id,
                "unit_id": s.scalar(select(Unit.id).where(Unit.name == "市园林局")),
                "user_id": user(s, "t_user").id,
                "deputy_id": s.scalar(select(Deputy.id).order_by(Deputy.id.desc()).limit(1)),
                "green_targets": ids["green_targets"],
                "year": 2025, "period": "2025-Q1", "rect_id": rect.id, "teller": 1,
                "kind": "projects", "active": 0}
        polls = {"draft": draft.id, "closed": closed.id, "counted": counted.id,
                 "tied": tied.id, "paper": paper.id}
        second = {"congress_id": other.id, "session_id": other_session.id,
                  "deputy_id": others[-1].id}

    def count():
        """Counts the counted and the tied poll (only the routes that need them pay for it)."""
        for name in ("counted", "tied"):
            with app_db(app) as s:
                tally.tally_poll(s, user(s, "clerk"), polls[name], app.instance_path)

    by_endpoint = {
        **{f"sessions.{name}": second for name in (
            "new_deputy", "edit_deputy", "import_roster", "confirm_import", "set_deputy_active",
            "reset_credentials", "desk_check_in", "my_check_in", "create_session")},
        "ballots.manage_open": {"poll_id": polls["draft"]},
        "tally.tally": {"poll_id": polls["closed"]},
        "tally.set_officials": {"poll_id": polls["closed"]},
        "tally.add_replacement": {"poll_id": polls["closed"]},
        "tally.publish": {"poll_id": polls["counted"]},
        "tally.runoff": {"poll_id": polls["tied"]},
        **{f"tally.paper_{what}": {"poll_id": polls["paper"]}
           for what in ("counts", "officials", "resolve", "withdraw", "entry")},
    }
    return {"base": base, "by_endpoint": by_endpoint, "polls": polls, "count": count}


def url_args(world, endpoint: str, rule_args) -> dict:
    values = {**world["base"], **world["by_endpoint"].get(endpoint, {})}
    return {a: values[a] for a in rule_args}


# ---- forms as the HTML gives them ------------------------------------------------------------

@dataclass
class Field:
    name: str
    kind: str  # an input's type, "select", "textarea" or "submit" (a button)
    value: str = ""
    checked: bool = False  # a box or a radio button
    options: list = field(default_factory=list)  # a select's


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: list = field(default_factory=list)

    def defaults(self) -> list[tuple[str, str]]:
        """What a browser would send with every empty field filled in plausibly (one submit
        button, checked boxes only): the base the hostile values are put into."""
        pairs, button = [], False
        for f in self.fields:
            if not f.value and f.kind not in ("checkbox", "radio", "file"):
                pairs.append((f.name, plausible(f)))
                continue
            if f.kind in ("checkbox", "radio") and not f.checked:
                continue
            if f.kind in ("submit", "button"):
                if button:
                    continue
                button = True
            if f.kind != "file":
                pairs.append((f.name, f.value))
        return pairs


# What a user would type in an empty field, by name, else by type: so that a case with one
# hostile value among plausible ones reaches the services, not only the form's validators.
PLAUSIBLE = {"display_name": "计票人乙", "username": "fuzz_user", "password": "correct-horse",
             "metric": "新增绿地", "value": "5", "unit": "公顷", "reason": "核对后更正",
             "existing-project_id": "1", "note": "同意", "title": "增设公交线路",
             "investment_wan_yuan": "100", "lead_unit": "市交通局", "name": "市交通局",
             "term": "18", "opens_on": "2026-01-10", "number": "301",
             "delegation": "道里区代表团", "value_1": "1.5", "value_2": "0.8", "spending": "10",
             "decided_on": "2026-03-01", "scrutineers": "张三\n李四", "tellers": "王五\n赵六",
             "submitter_name": "市民", "submitter_contact": "13800000000", "lead": "市园林局"}
BY_TYPE = {"number": "7", "date": "2025-06-30"}


def plausible(f: Field) -> str:
    return PLAUSIBLE.get(f.name) or BY_TYPE.get(f.kind) or "关于改善社区环境的内容"


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower(),
                              multipart="multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
        elif self._form is None or "name" not in a:
            if tag == "option" and self._select is not None:
                self._select.options.append(a.get("value", ""))
                if "selected" in a or not self._select.value:
                    self._select.value = a.get("value", "")
            return
        elif tag == "input":
            kind = a.get("type", "text").lower()
            self._form.fields.append(Field(a["name"], kind,
                                           a.get("value", "on" if kind == "checkbox" else ""),
                                           checked="checked" in a))
        elif tag == "button":
            self._form.fields.append(Field(a["name"], "submit", a.get("value", "")))
        elif tag == "select":
            self._select = Field(a["name"], "select")
            self._form.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea")
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            # a browser drops the one line break right after <textarea>
            first = not self._textarea.value
            self._textarea.value += data.removeprefix("\r\n").removeprefix("\n") if first else data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_of(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    return [f for f in parser.forms if f.method == "post"]


def form_for(app, html: str, endpoint: str, page_url: str) -> Form | None:
    """The first POST form on the page whose action is the route."""
    adapter = app.url_map.bind("localhost")
    for form in forms_of(html):
        path = urlsplit(form.action or page_url).path
        try:
            matched, _args = adapter.match(path, method="POST")
        except Exception:
            continue
        if matched == endpoint:
            form.action = form.action or page_url
            return form
    return None


# ---- hostile values ------------------------------------------------------------------------

HUGE = "长" * 100_000
TEXT = ["", " ", "\t\n", HUGE, "a\x00b", "\x00", "\x01\x02\x07\x08\x0b\x0c\x1b[31m\x7f\x85",
        "\u202e\u202dabc\u200f\u200e\u2066", "😀👍🏽🇨🇳\U0010ffff", "１２３４", "０",
        "-1", "-99999999999999999999", "99999999999999999999", "1e308", "-1e308", "1.5",
        "0.000000001", "NaN", "nan", "Infinity", "-inf", "-0", "0x1F", "2026-02-30",
        "2026-13-01", "0000-00-00", "9999-12-31T25:61", "2025-Q9", "<script>alert(1)</script>",
        "' OR 1=1 --", "%s%n{0}", "\r\n\r\n", "\ufeff", "\u00a0\u3000", "=cmd|'/c calc'!A1",
        "../../etc/passwd", "a" * 300]
# Not UTF-8 at all (sent percent-encoded as raw bytes): cut sequences, GBK, latin-1, overlong.
BYTES = [b"\xff\xfe", b"\xc3", b"\xe4\xb8", b"\xb9\xfe\xb6\xfb\xb1\xf5", b"caf\xe9",
         b"\xc0\xaf", b"\xed\xa0\x80"]

GARBAGE_FILES = [
    ("empty.csv", b""), ("empty.xlsx", b""),
    ("random.csv", bytes(range(256)) * 4),
    ("nul.csv", b"a,b\x00,c\n1,\x00,3\n"),
    ("gbk.csv", "姓名,代表证号\n张三,001\n".encode("gbk")),
    ("huge_row.csv", ("x," * 50_000).encode() + b"\n"),
    ("huge_cell.csv", b"title\n" + b"y" * 200_000 + b"\n"),
    ("truncated.xlsx", None),  # a real workbook cut in half (made below)
    ("notzip.xlsx", b"PK\x03\x04" + b"\x00" * 64),
    ("no_workbook.xlsx", None),  # a zip without a workbook in it
    ("damaged_sheet.xlsx", None),  # a sound workbook whose sheet is cut in half
    ("mac.csv", "名称\r甲\r\"乙\r\n丙\"\r".encode()),  # rows end in a bare CR
    ("noext", b"1,2,3\n"), ("evil.exe", b"MZ\x90\x00"),
    ("too_big.csv", b"a,b\n" + b"1,2\n" * (9 * 1024 * 1024 // 4)),  # over MAX_CONTENT_LENGTH
    ("../../../etc/passwd.csv", b"a,b\n"), ("名单.CSV", "\ufeff名称\n".encode()),
]


def _xlsx(rows) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _garbage_files() -> list[tuple[str, bytes]]:
    book = _xlsx([["姓名", "代表证号"], ["张三", "001"]])
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("readme.txt", "不是工作簿" * 1000)
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as src, zipfile.ZipFile(damaged, "w") as z:
        for item in src.infolist():
            data = src.read(item.filename)
            z.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml")
                       else data)
    made = {"truncated.xlsx": book[: len(book) // 2], "no_workbook.xlsx": other.getvalue(),
            "damaged_sheet.xlsx": damaged.getvalue()}
    return [(name, made.get(name, data)) for name, data in GARBAGE_FILES]


GARBAGE = _garbage_files()
OMIT, KEEP = object(), object()  # a field left out; a field sent as the browser would


def values_for(fields: list[Field]):
    """What one field name may carry: its value kept, omitted, hostile, sent twice; a group of
    boxes or a select also any choice of its options."""
    f = fields[0]
    options = sorted({o for x in fields
                      for o in (x.options if x.kind == "select" else [x.value])
                      if x.kind in ("checkbox", "radio", "select")} - {""})
    hostile = st.one_of(st.sampled_from(TEXT), st.sampled_from(BYTES),
                        st.text(max_size=20), st.integers().map(str),
                        st.floats(allow_nan=True).map(repr))
    if f.kind == "file":
        return st.one_of(st.just(OMIT), st.sampled_from(GARBAGE))
    choices = [st.just(KEEP), st.just(KEEP), st.just(OMIT), hostile,
               st.lists(hostile, min_size=2, max_size=3)]  # a field sent twice or more
    if options:
        choices += [st.sampled_from(options), st.lists(st.sampled_from(options), min_size=1)]
    return st.one_of(*choices)


CSRF = st.sampled_from(["valid"] * 5 + ["missing", "wrong", "twice"])


def submission(form: Form):
    names = sorted({f.name for f in form.fields if f.name != "csrf_token"})
    by_name = {n: [f for f in form.fields if f.name == n] for n in names}
    return st.fixed_dictionaries({
        "fields": st.fixed_dictionaries({n: values_for(by_name[n]) for n in names}),
        "csrf": CSRF,
        "extra": st.one_of(st.none(), st.tuples(st.sampled_from(["id", "user_id", "role", "x\x01"]),
                                                st.sampled_from(TEXT[:8]))),
    })


def _encode(v) -> bytes:
    return v if isinstance(v, bytes) else v.encode("utf-8", "surrogatepass")


def body_of(form: Form, case: dict, token: str) -> tuple[bytes, str]:
    """The request body and content type of a case: urlencoded pairs, or multipart."""
    defaults = form.defaults()
    pairs: list[tuple[str, object]] = []
    files: list[tuple[str, str, bytes]] = []
    for name, choice in case["fields"].items():
        f = next(x for x in form.fields if x.name == name)
        if choice is OMIT:
            continue
        if f.kind == "file":
            files.append((name, *choice))
        elif choice is KEEP:
            pairs.extend((k, v) for k, v in defaults if k == name)
        elif isinstance(choice, list):
            pairs.extend((name, v) for v in choice)
        else:
            pairs.append((name, choice))
    csrf = case["csrf"]
    if csrf in ("valid", "twice"):
        pairs.append(("csrf_token", token))
    if csrf == "twice":
        pairs.append(("csrf_token", "x" + token))
    elif csrf == "wrong":
        pairs.append(("csrf_token", token[::-1]))
    if case["extra"]:
        pairs.append(case["extra"])
    if not form.multipart:
        body = "&".join(f"{quote(_encode(k))}={quote(_encode(v))}" for k, v in pairs)
        return body.encode("ascii"), "application/x-www-form-urlencoded"
    boundary = "----fuzz" + hashlib.sha1(repr(pairs).encode()).hexdigest()[:16]
    out = io.BytesIO()
    for k, v in pairs:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="'.encode()
                  + _encode(k) + b'"\r\n\r\n' + _encode(v) + b"\r\n")
    for k, filename, data in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="'.encode() + _encode(k)
                  + b'"; filename="' + filename.encode() + b'"\r\n'
                  + b"Content-Type: application/octet-stream\r\n\r\n" + data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


# ---- what the database holds -----------------------------------------------------------------

# Moves on any request of a signed-in user (SESSION_TOUCH_SECONDS): not a change of the data.
# Nothing else is spared: a refused submission may not add even an audit entry.
VOLATILE = {("login_sessions", "last_seen_at")}


def snapshot(app) -> dict:
    """Every table's row count and a digest of its rows (the world's tables are small)."""
    out = {}
    with app_db(app) as s:
        for table in Base.metadata.sorted_tables:
            cols = [c for c in table.columns if (table.name, c.name) not in VOLATILE]
            rows = sorted(repr(tuple(r)) for r in s.execute(select(*cols)))
            out[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out


def changed(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


# ---- what an answer must be ------------------------------------------------------------------

LEAK = re.compile(r"Traceback|File \"[^\"]+\", line|\b(?:sqlalchemy|psycopg|werkzeug|jinja2)\b"
                  r"|\b[A-Z][A-Za-z]*(?:Error|Exception)\b|\bat 0x[0-9a-f]+")
# The elements a page shows an error in: a flash (base.html, _forms.errors_summary), a field's
# error (_forms.field), the error page's message (error.html), an import's problems.
# A warning (a late report, a frozen roster) goes with a success as well: it is no refusal.
ERROR_SHOWN = re.compile(r'class="flash flash-error"|class="error"|id="import-errors"')
ERROR_PAGE = re.compile(r'<h1>抱歉</h1>\s*<p class="lead">\s*[^<\s]')  # error.html's message


def flashes(client) -> list[str]:
    """The categories of the messages a redirect carries to the next page (taken, so that the
    next case starts without them)."""
    with client.session_transaction() as sess:
        return [category for category, _message in sess.pop("_flashes", [])]


# ---- the fuzz --------------------------------------------------------------------------------

def valid_upload(endpoint: str, world) -> tuple[str, bytes] | None:
    """A file each import's check accepts: its confirm form is on the preview page."""
    if endpoint == "pool.confirm_import":
        return "projects.csv", ("项目名称,年度,领域,内容\n燃气安全设施改造项目,2023,安全,安装燃气设施\n"
                                .encode())
    if endpoint == "sessions.confirm_import":
        return "roster.csv", "姓名,代表团,代表证号,用户名\n张三,道里区代表团,901,\n".encode()
    if endpoint == "supervision.report_import_confirm":
        b = world["base"]
        return "reports.xlsx", _xlsx([
            ["项目编号", "项目名称", "报告期", "指标编号", "指标", "累计完成", "填报单位", "进展情况",
             "完成投资（万元）", "建设状态"],
            [b["project_id"], "", "2025-Q1", b["green_targets"][0], "", "1.2", "", "进展", "", ""]])
    return None


def _rule(app, endpoint):
    return next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)


def page_with_form(app, client, world, endpoint: str) -> tuple[str, str]:
    """(page URL, its HTML) of the page that shows the route's form."""
    page = endpoint if "GET" in _rule(app, endpoint).methods else FORM_PAGE[endpoint]
    with app.test_request_context():
        url = url_for(page, **url_args(world, endpoint, _rule(app, page).arguments),
                      **PAGE_QUERY.get(endpoint, {}))
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    html = r.get_data(as_text=True)
    upload = valid_upload(endpoint, world)
    if upload is not None:  # the confirm form is on the preview of a checked file
        name, data = upload
        r = client.post(url, data={"csrf_token": csrf_meta(html), "file": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")
        assert r.status_code == 200, r.get_data(as_text=True)[:2000]
        html = r.get_data(as_text=True)
    return url, html


def judge(app, client, response, before) -> tuple[list[str], dict]:
    """What is wrong with one answer (an empty list when nothing is), and the snapshot after."""
    problems = []
    body = response.get_data(as_text=True)
    status = response.status_code
    if status >= 500:
        problems.append(f"{status}")
    leak = LEAK.search(body)
    if leak:
        problems.append(f"shows {leak.group(0)!r}")
    carried = flashes(client) if status in (301, 302, 303) else []
    refused = (status >= 400 or (status == 200 and ERROR_SHOWN.search(body))
               or "error" in carried)
    if status >= 400 and not (ERROR_SHOWN.search(body) or ERROR_PAGE.search(body)):
        problems.append(f"{status} without a message")
    after = snapshot(app)
    if refused and changed(before, after):
        problems.append(f"refused ({status}) but changed {changed(before, after)}")
    if status in (301, 302, 303) and not carried and not changed(before, after):
        problems.append("a redirect that changed nothing and says nothing")
    return problems, after


# Routes that take another path for another account: the secretariat's follow-up of a
# rectification (the unit reports), the scrutineer who settles a disputed ballot alone.
ALSO = [("supervision.add_step", "clerk"), ("tally.paper_resolve", "scr_user")]
CASES = [(e, ACCOUNT.get(e, ACCOUNTS.get(role_for(e)))) for e in sorted(POST_ROUTES)] + ALSO


@pytest.mark.parametrize(("endpoint", "account"), CASES)
def test_hostile_input_is_refused_clearly_and_changes_nothing(app, world, endpoint, account):
    client = app.test_client()
    if account is not None:  # (anonymous)
        login(client, account)
    if endpoint in ("tally.publish", "tally.runoff"):
        world["count"]()
    url, html = page_with_form(app, client, world, endpoint)
    form = form_for(app, html, endpoint, url)
    assert form is not None, f"no form posting to {endpoint} on {url}"
    token = csrf_meta(html)
    failures: list = []
    state: dict = {}  # the snapshot after the last case: the next one's before

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=list(HealthCheck))
    @given(case=submission(form))
    def run(case):
        body, content_type = body_of(form, case, token)
        before = state.get("after") or snapshot(app)
        state["after"] = None
        try:
            r = client.post(form.action, data=body, content_type=content_type)
        except Exception as exc:  # propagated in testing: a 500 in production
            failures.append((_short(case), f"raised {type(exc).__name__}: {str(exc)[:300]}"))
            return
        problems, state["after"] = judge(app, client, r, before)
        if problems:
            failures.append((_short(case), problems))
        if endpoint == "auth.logout" and r.status_code in (302, 303):
            login(client, account)
            state["after"] = None

    run()
    assert failures == [], "\n".join(map(repr, failures[:10]))


def _short(case) -> dict:
    def cut(v):
        if v is OMIT:
            return "<omitted>"
        if v is KEEP:
            return "<kept>"
        if isinstance(v, list):
            return [cut(x) for x in v]
        if isinstance(v, tuple):
            return (v[0], len(v[1]) if isinstance(v[1], bytes) else v[1])
        return v[:40] + f"…({len(v)})" if len(v) > 40 else v
    return {"csrf": case["csrf"], "extra": case["extra"] and (case["extra"][0], cut(case["extra"][1])),
            **{k: cut(v) for k, v in case["fields"].items()}}
