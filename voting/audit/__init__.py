"""Append-only, hash-chained log of every state change made by staff; public to read."""
