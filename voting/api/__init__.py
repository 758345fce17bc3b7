"""The JSON API of docs/protocol.md: one blueprint under /api/v1, registered by the factory.

Every view answers through `voting.core.edge.json_edge`: commit before answering, roll back on
a domain error and answer it as the protocol's error JSON. The cast path's session handling
(`voting.api.cast`) is installed by `create_app`.
"""

from voting.api import audit, auth, polls, projects, reports, tally  # noqa: F401  (each adds its routes to bp)
from voting.api.blueprint import bp

__all__ = ["bp"]
