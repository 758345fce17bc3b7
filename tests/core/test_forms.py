"""The shared field macro: ARIA attributes appear only when they have a value."""

import re
from html.parser import HTMLParser


class _Fields(HTMLParser):
    """Every input, select and textarea of a page, as {id: attributes}."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "select", "textarea"):
            a = dict(attrs)
            if a.get("type") != "hidden":
                self.fields[a.get("id") or a.get("name")] = a


def _fields(html: str) -> dict[str, dict[str, str | None]]:
    parser = _Fields()
    parser.feed(html)
    return parser.fields


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_fields_without_errors_or_hints_carry_no_empty_aria(client):
    html = client.get("/pool/suggest").get_data(as_text=True)
    fields = _fields(html)
    assert "None" not in {v for a in fields.values() for v in a.values()}
    assert 'aria-invalid="None"' not in html and 'aria-describedby="None"' not in html
    assert "aria-invalid" not in fields["body"] and "aria-describedby" not in fields["body"]
    assert fields["title"]["aria-describedby"] == "title-hint"


def test_a_field_with_an_error_is_marked_invalid_and_described(client):
    page = client.get("/pool/suggest").get_data(as_text=True)
    r = client.post("/pool/suggest", data={"csrf_token": _csrf(page), "submitter_kind": "public",
                                           "title": "", "body": ""})
    html = r.get_data(as_text=True)
    fields = _fields(html)
    assert fields["title"]["aria-invalid"] == "true"
    assert fields["title"]["aria-describedby"] == "title-hint title-error"
    assert fields["body"]["aria-describedby"] == "body-error"
    assert "aria-invalid" not in fields["submitter_name"]
    assert "None" not in {v for a in fields.values() for v in a.values()}
