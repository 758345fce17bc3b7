"""Every template holds up under `script-src 'self'; style-src 'self'`: no inline script, no
on*= handler, no javascript: URL, no style= attribute (a JSON data block is not a script)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
DATA_TYPE = re.compile(r"""\btype\s*=\s*["']application/(?:ld\+)?json["']""", re.IGNORECASE)
HANDLER = re.compile(r"""<[a-z][^>]*\son[a-z]+\s*=""", re.IGNORECASE | re.DOTALL)
STYLE_ATTR = re.compile(r"""<[a-z][^>]*\sstyle\s*=""", re.IGNORECASE | re.DOTALL)
JS_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)
STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)


def csp_violations(text: str) -> list[str]:
    """What in one template (or page) a strict CSP would block."""
    found = []
    for m in SCRIPT_TAG.finditer(text):
        attrs = m.group(1)
        if not re.search(r"\bsrc\s*=", attrs, re.IGNORECASE) and not DATA_TYPE.search(attrs):
            found.append(f"inline script: {m.group(0)}")
    for pattern, what in ((HANDLER, "event handler attribute"), (STYLE_ATTR, "style attribute"),
                          (JS_URL, "javascript: URL"), (STYLE_TAG, "inline <style>")):
        for m in pattern.finditer(text):
            found.append(f"{what}: {m.group(0)[:80]}")
    return found


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".j2", ".jinja"})


def test_there_are_templates_to_scan():
    assert len(_templates()) > 10


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_is_ready_for_a_strict_csp(path: Path):
    assert csp_violations(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("bad", [
    '<script>alert(1)</script>',
    '<script type="module">import "x"</script>',
    '<button type="button" onclick="go()">',
    '<form\n  onsubmit="return check()">',
    '<span class="bar" style="width: 50%">',
    '<a href="javascript:void(0)">',
    '<style>.x { color: red }</style>',
])
def test_scanner_finds_each_kind_of_violation(bad: str):
    assert csp_violations(bad)


@pytest.mark.parametrize("good", [
    '<script src="{{ url_for(\'static\', filename=\'js/vote.js\') }}" defer></script>',
    '<script type="application/json" id="vote-config">{{ vote_config|tojson }}</script>',
    '<svg class="bar-track"><rect class="bar" width="42.5" height="10"/></svg>',
    '<p class="online">the word onion= in text is no attribute</p>',
])
def test_scanner_lets_allowed_markup_pass(good: str):
    assert csp_violations(good) == []


def test_rendered_funnel_draws_its_bars_without_style(client):
    """The funnel's bars (once style= widths) are SVG rects whose width is an attribute."""
    r = client.get("/pool/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert re.search(r'<rect class="pool-funnel-bar" x="[0-9.]+" width="[0-9.]+"', html)
    assert csp_violations(html) == []
