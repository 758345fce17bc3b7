"""A page's HTML as PDF through WeasyPrint, which renders the same print stylesheet the browser
uses for a printout. Only the site's own static files are fetched (the stylesheets): nothing
leaves the machine, and a page cannot make the renderer read anything else.

WeasyPrint needs Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0) and a
CJK font (fonts-noto-cjk). Without them `available()` is False and the pages offer the
browser's print instead.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs are missing."""


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango is not installed
        raise PdfUnavailable(str(exc)) from exc
    return weasyprint


def available() -> bool:
    try:
        _weasyprint()
    except PdfUnavailable:
        return False
    return True


def static_fetcher(static_folder: str, static_url_path: str):
    """A WeasyPrint URL fetcher that serves files under the static folder and nothing else."""
    _weasyprint()
    from weasyprint import urls
    root = Path(static_folder).resolve()
    prefix = static_url_path.rstrip("/") + "/"

    class StaticFetcher(urls.URLFetcher):
        def fetch(self, url, headers=None):
            path = urlsplit(url).path
            file = (root / path[len(prefix):]).resolve() if path.startswith(prefix) else None
            if file is None or root not in file.parents or not file.is_file():
                raise ValueError(f"not fetched: {url}")
            mime = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            return urls.URLFetcherResponse(url, file.read_bytes(),
                                           headers={"Content-Type": mime})

    return StaticFetcher()


def render(html: str, *, base_url: str, static_folder: str, static_url_path: str) -> bytes:
    """The PDF of `html`; PdfUnavailable when WeasyPrint cannot run here."""
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=html, base_url=base_url,
                               url_fetcher=static_fetcher(static_folder, static_url_path))
    return document.write_pdf()
