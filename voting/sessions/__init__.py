"""Congresses, their sessions, the deputy roster, check-in and quorum."""
