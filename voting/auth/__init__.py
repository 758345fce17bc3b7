"""Accounts, roles and sign-in (web form and JSON API)."""
