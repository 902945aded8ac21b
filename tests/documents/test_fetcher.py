"""Documents read nothing but data: URIs and the app's static files.

Hostile markup is planted in what users type (an event's title, venue, description) and,
separately, straight into the HTML given to the renderer, as if autoescaping had failed.
A local HTTP server counts every request it gets: it must get none.
"""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from expo.documents import render, schedules
from expo.documents.fetcher import SafeFetcher
from tests.documents.conftest import pdf_text
from tests.factories import make_event

# A 1×1 transparent PNG.
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4f60000000049454e44ae426082"
    )
).decode()


class CountingServer:
    """An HTTP server on 127.0.0.1 that answers everything and counts the requests."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the standard library's name)
                server.paths.append(self.path)
                body = b"body { color: red }"
                self.send_response(200)
                self.send_header("Content-Type", "text/css")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture()
def server():
    counting = CountingServer()
    counting.thread.start()
    yield counting
    counting.httpd.shutdown()
    counting.httpd.server_close()


def hostile_markup(server: CountingServer) -> str:
    return (
        '<img src="file:///etc/passwd">'
        f'<link rel="stylesheet" href="{server.url("/link.css")}">'
        f'<style>@import url("{server.url("/import.css")}"); '
        f'.x {{ background: url("{server.url("/background.png")}") }}</style>'
        f'<div class="x" style="background-image: url(\'{server.url("/inline.png")}\')">X</div>'
        f'<img src="{server.url("/image.png")}">'
        '<link rel="attachment" href="file:///etc/hostname">'
    )


def recorded(fetcher: SafeFetcher) -> tuple[list[str], list[str]]:
    served = [url for url, ok in fetcher.requested if ok]
    refused = [url for url, ok in fetcher.requested if not ok]
    return served, refused


def assert_only_data_and_static(fetcher: SafeFetcher) -> None:
    static = Path(render.static_folder()).resolve().as_uri() + "/"
    served, _ = recorded(fetcher)
    for url in served:
        assert url.startswith("data:") or url.startswith(static), url


class TestUserText:
    def test_hostile_markup_in_event_fields_stays_text(self, db, server):
        markup = hostile_markup(server)
        # Each field within its column's length (PostgreSQL enforces them).
        event = make_event(
            title_zh='展会<img src="file:///etc/passwd">',
            venue_zh='<base href="file:///etc/">'
            f'<link rel="stylesheet" href="{server.url("/v.css")}">',
            description_zh="介绍" + markup + '<img src="passwd">',
        )
        html = schedules.schedule_html(event, language="zh")
        assert '<img src="file:///etc/passwd">' not in html
        assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
        assert '<base href="file:///etc/">' not in html

        fetcher = SafeFetcher(render.static_folder())
        pdf = render.write_pdf(html, stylesheets=["base", "schedule"], fetcher=fetcher)
        assert fetcher.requested == []  # nothing was even asked for
        assert server.paths == []
        text = pdf_text(pdf)
        assert '<img src="file:///etc/passwd">' in text  # printed as the user typed it
        assert "root:" not in text


class TestRendererRefuses:
    def test_file_and_network_urls_are_refused_and_never_reached(self, db, server):
        html = (
            '<!doctype html><html lang="zh-CN"><head><title>t</title>'
            + hostile_markup(server)
            + '<link rel="stylesheet" href="css/expo.css"></head><body>'
            + f'<p>正文</p><img src="data:image/png;base64,{PIXEL}"></body></html>'
        )
        fetcher = SafeFetcher(render.static_folder())
        pdf = render.write_pdf(html, fetcher=fetcher)
        served, refused = recorded(fetcher)
        assert "file:///etc/passwd" in refused
        assert "file:///etc/hostname" in refused
        for path in ("/link.css", "/import.css", "/image.png", "/inline.png"):
            assert server.url(path) in refused
        assert any(url.startswith("data:image/png") for url in served)
        assert any(url.endswith("/static/css/expo.css") for url in served)
        assert_only_data_and_static(fetcher)
        assert server.paths == []
        assert "正文" in pdf_text(pdf)

    def test_a_base_element_cannot_point_relative_links_elsewhere(self, db, server):
        html = (
            '<!doctype html><html lang="zh-CN"><head><base href="file:///etc/">'
            '<link rel="stylesheet" href="passwd"></head>'
            '<body><img src="hostname"><p style="background: url(shadow)">正文</p></body></html>'
        )
        fetcher = SafeFetcher(render.static_folder())
        render.write_pdf(html, fetcher=fetcher)
        served, refused = recorded(fetcher)
        assert served == []
        assert {"file:///etc/passwd", "file:///etc/hostname"} <= set(refused)
        assert all(url.startswith("file:///etc/") for url in refused)

        html = html.replace("file:///etc/", server.url("/"))
        fetcher = SafeFetcher(render.static_folder())
        render.write_pdf(html, fetcher=fetcher)
        assert recorded(fetcher)[0] == []
        assert server.paths == []


class TestStaticPath:
    @pytest.fixture()
    def static(self, tmp_path):
        folder = tmp_path / "static"
        (folder / "print").mkdir(parents=True)
        (folder / "print" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
        (tmp_path / "secret.txt").write_text("secret")
        (folder / "print" / "link.txt").symlink_to(tmp_path / "secret.txt")
        return folder

    def test_only_regular_files_inside_the_static_folder(self, static):
        fetcher = SafeFetcher(static)
        inside = (static / "print" / "logo.svg").as_uri()
        assert fetcher.static_path(inside) == (static / "print" / "logo.svg").resolve()
        response = fetcher.fetch(inside)
        assert response.content_type == "image/svg+xml"
        for url in (
            (static / "print" / "link.txt").as_uri(),  # a symbolic link out of the folder
            static.as_uri() + "/print/../../secret.txt",
            static.as_uri() + "/print/%2e%2e/%2e%2e/secret.txt",
            static.as_uri() + "/print",  # a folder
            static.as_uri() + "/print/missing.png",
            "file://evil.example/" + str(static / "print" / "logo.svg"),
            "file:///etc/passwd",
        ):
            assert fetcher.static_path(url) is None, url

    @pytest.mark.parametrize(
        "url",
        [
            "file:///etc/passwd",
            "http://127.0.0.1:9/x.css",
            "https://example.com/font.woff2",
            "ftp://127.0.0.1/x",
            "gopher://127.0.0.1/x",
            "//127.0.0.1/x",
            "javascript:alert(1)",
        ],
    )
    def test_everything_else_is_refused(self, static, url):
        fetcher = SafeFetcher(static)
        with pytest.raises(ValueError):
            fetcher.fetch(url)
        assert fetcher.requested == [(url, False)]
