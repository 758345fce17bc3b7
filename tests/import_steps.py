"""Driving an import page (voting/core/imports.py) from a test client: upload, then confirm."""

import io
import re


def upload(client, url, data, token, *, filename):
    """Posts a file to an import's first step (check and preview)."""
    data = data.encode("utf-8") if isinstance(data, str) else data
    return client.post(url, data={"file": (io.BytesIO(data), filename), "csrf_token": token},
                       content_type="multipart/form-data")


def carried(html):
    """The confirm form's hidden fields: the checked file, carried inside the page."""
    return {name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)
            for name in ("filename", "content")}


def confirm(client, url, html, token, **override):
    """Posts the carried file (fields in `override` replaced) to the import's confirm step."""
    return client.post(url, data={**carried(html), **override, "csrf_token": token})
