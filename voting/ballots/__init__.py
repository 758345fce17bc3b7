"""Polls, blind-signed tokens and anonymous ballots (docs/protocol.md)."""
