"""Ballot kinds: one module per kind (selection, for_against, evaluation), one registry.

Everything that depends on what a ballot looks like (its choice check and canonical form,
the poll document's extra fields, its count and result fields, its paper readings, its
publication effect, its template and script) belongs to the kind; the rest of the code asks
`of(poll)` or `get(name)` instead of branching. Adding a kind is one module that calls
`register`. Plain Python: the verifier imports it without Flask.
"""

from __future__ import annotations

from voting.ballots.kinds.base import Kind

_REGISTRY: dict[str, Kind] = {}


class UnknownKind(ValueError):
    pass


def register(kind: Kind) -> Kind:
    if not kind.name or kind.name in _REGISTRY:
        raise ValueError(f"ballot kind {kind.name!r} is unnamed or already registered")
    _REGISTRY[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    del _REGISTRY[name]


def get(name: str) -> Kind:
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise UnknownKind(f"no ballot kind {name!r}") from None


def of(poll) -> Kind:
    """The kind of a poll (a model or anything with `.kind`)."""
    return get(poll.kind)


def names() -> tuple[str, ...]:
    """Every registered kind, in registration order: the one list (CHECK, forms, OpenAPI)."""
    return tuple(_REGISTRY)


def all_kinds() -> tuple[Kind, ...]:
    return tuple(_REGISTRY.values())


def check_sql(column: str = "kind") -> str:
    """The CHECK constraint's condition over the registered kinds."""
    quoted = ("'" + n.replace("'", "''") + "'" for n in names())  # as voting.db.one_of
    return f"{column} IN ({', '.join(quoted)})"


def _register_builtin() -> None:
    from voting.ballots.kinds import evaluation, for_against, selection

    for module in (selection, for_against, evaluation):
        register(module.KIND)


_register_builtin()
