"""Counting closed polls, the signed result, runoffs and the public announcement."""
