"""Polls, blind-signed tokens and anonymous ballots (PROTOCOL.md)."""
