"""The repository documents itself: a clone has its public contract in docs/, and the README
points there, never to files outside the repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PROTOCOL = ROOT / "docs" / "protocol.md"
# Paths outside a clone, and the names the contract and the threat model had there.
OUTSIDE = re.compile(r"\.\./|(?<![\w/])shared/|\bPROTOCOL\.md\b|\bDESIGN\.md\b|\bTHREAT_MODEL\.md\b")


def test_readme_and_docs_point_to_nothing_outside_the_repository():
    offenders = []
    for path in DOCS:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_readme_links_resolve_inside_the_repository():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = set(re.findall(r"\]\(([^)#]+)\)", readme))
    targets |= set(re.findall(r"`(docs/[^`]+)`", readme))
    targets = {t for t in targets if "://" not in t}
    assert {"docs/protocol.md", "docs/threat-model.md"} <= targets
    missing = sorted(t for t in targets if not (ROOT / t).exists())
    assert not missing, missing


def _api_routes(app) -> set[tuple[str, str]]:
    """(METHOD, path) of every /api/v1 rule, with <int:x> written {x} as the docs write it."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((method, path))
    return routes


def test_every_api_route_is_in_the_protocol_page(app):
    text = PROTOCOL.read_text(encoding="utf-8")
    routes = _api_routes(app)
    assert ("POST", "/api/v1/polls/{poll_id}/ballots") in routes and len(routes) >= 9
    undocumented = sorted(f"{m} {p}" for m, p in routes if f"`{m} {p}" not in text)
    assert not undocumented, "add to docs/protocol.md: " + ", ".join(undocumented)


def test_every_api_route_is_in_the_openapi_document(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    missing = sorted(f"{m} {p}" for m, p in _api_routes(app)
                     if m.lower() not in paths.get(p, {}))
    assert not missing, missing
