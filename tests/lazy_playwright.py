"""Playwright's `expect`, imported on first use: a machine without Playwright still imports
(and so collects) every test module; only the browser tests themselves need it."""

from __future__ import annotations


def expect(*args, **kwargs):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)
