"""Pieces shared by several domains (tabular import and export)."""
