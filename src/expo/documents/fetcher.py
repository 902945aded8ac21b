"""The only door a document has to the outside: ``data:`` URIs and the app's static files.

Documents carry text that enterprises and organizers typed. Autoescaping keeps it text,
but the renderer itself must not trust the markup either: a stray ``<img src="file:///…">``,
``<link href="http://10.0.0.1/…">`` or ``<base href>`` must not read a file or reach the
network (server-side request forgery). Every ``HTML()`` and ``CSS()`` is given this fetcher,
which serves ``data:`` URIs and regular files inside the static folder, read from disk,
and refuses everything else before any handler could open it.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)


class FetchRefused(ValueError):
    """A document asked for something other than a data: URI or a static file."""


class SafeFetcher(URLFetcher):
    """A WeasyPrint URL fetcher limited to ``data:`` URIs and files under ``static_folder``.

    ``requested`` lists every URL it was asked for, with whether it was served, so a test
    (or a curious operator) can see exactly what a rendering tried to read.
    """

    def __init__(self, static_folder: str | Path, *also: str | Path) -> None:
        # No redirects, data and file only: even a caller of the parent class's opener
        # could not get further than these two schemes.
        super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False)
        self.static_root = Path(static_folder).resolve()
        # Further folders a trusted caller opens (the print faces' stylesheet reads the
        # font folder); a document's own fetcher has none.
        self.roots = (self.static_root, *(Path(folder).resolve() for folder in also))
        self.requested: list[tuple[str, bool]] = []

    @property
    def base_url(self) -> str:
        """The base URL documents are rendered with: relative links resolve in static/."""
        return self.static_root.as_uri() + "/"

    def static_path(self, url: str) -> Path | None:
        """The file a ``file:`` URL names, if it is a regular file inside an allowed folder."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        try:
            # resolve() follows symbolic links and "..", so neither can lead outside.
            path = Path(url2pathname(parts.path)).resolve()
        except (OSError, ValueError):
            return None
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            return None
        return path

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        scheme = url.partition(":")[0].lower()
        if scheme == "data":
            self.requested.append((url, True))
            # The parent's opener dispatches on the scheme: data: is decoded in memory.
            return super().fetch(url, headers)
        path = self.static_path(url) if scheme == "file" else None
        if path is None:
            self.requested.append((url, False))
            logger.warning("A document asked for %s; only data: URIs and static files load.", url)
            raise FetchRefused(f"not a data: URI or a static file: {url}")
        self.requested.append((url, True))
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
