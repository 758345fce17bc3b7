"""Clean boundaries: no import circles in the package, the JSON API on its own blueprint, the
cast path's privacy installed by the factory rather than as a blueprint's side effect."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

from voting import create_app
from voting.api.cast import CastSessionInterface
from voting.errors import NoCastDetails, NoCastLines

PACKAGE = Path(__file__).resolve().parent.parent / "voting"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module -> the package's modules it imports at module level (what runs on import;
    imports inside functions and TYPE_CHECKING blocks are left out)."""
    paths = {_module_name(p): p for p in package.rglob("*.py") if "migrations" not in p.parts}
    graph = {}
    for name, path in paths.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = here.rsplit(".", node.level - 1)[0] if node.level > 1 else here
                    base = f"{anchor}.{base}" if base else anchor
                deps.update(f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base
                            for a in node.names)
        graph[name] = {d for d in deps if d in paths and d != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                found.append(stack[stack.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return found


def test_the_package_has_no_import_circles():
    assert cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]


def test_every_api_route_is_on_the_api_blueprint_and_only_there(app):
    api = {r.rule: r.endpoint for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert len(api) >= 9
    assert {rule: e for rule, e in api.items() if not e.startswith("api.")} == {}
    assert all(r.rule.startswith("/api/v1/") for r in app.url_map.iter_rules()
               if r.endpoint.startswith("api."))


def test_every_api_view_answers_through_the_json_edge(app):
    """One edge: each view is wrapped by voting.core.edge.json_edge (functools.wraps keeps
    the wrapped view reachable, and the wrapper's code is the edge's)."""
    from voting.core.edge import json_edge

    edge_code = json_edge(lambda: None).__code__
    views = {e: f for e, f in app.view_functions.items() if e.startswith("api.")}
    assert views
    unwrapped = []
    for endpoint, view in views.items():
        while view.__code__ is not edge_code and hasattr(view, "__wrapped__"):
            view = view.__wrapped__
        if view.__code__ is not edge_code:
            unwrapped.append(endpoint)
    assert unwrapped == []


def test_the_factory_installs_the_cast_privacy(tmp_path):
    for n in range(2):  # a second app neither wraps twice nor adds a second filter
        app = create_app("test", instance_path=str(tmp_path / f"i{n}"),
                         DATABASE_URL=f"sqlite:///{tmp_path / f'{n}.sqlite3'}")
        assert isinstance(app.session_interface, CastSessionInterface)
        assert not isinstance(app.session_interface.inner, CastSessionInterface)
        for log in (app.logger, logging.getLogger("werkzeug")):
            for kind in (NoCastLines, NoCastDetails):
                assert sum(isinstance(f, kind) for f in log.filters) == 1


def test_no_blueprint_installs_anything_on_the_app_as_a_side_effect():
    """record/record_once hooks hide app set-up inside a blueprint: create_app does it."""
    hooks = [f"{p.relative_to(PACKAGE.parent)}:{n}" for p in PACKAGE.rglob("*.py")
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if ".record_once" in line or ".record(" in line]
    assert hooks == []
