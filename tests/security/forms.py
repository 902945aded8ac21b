"""The forms a page offers, read from its HTML as a browser would."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class PageForm:
    action: str
    method: str
    fields: list[str] = field(default_factory=list)


class _FormReader(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self._current: PageForm | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._current = PageForm(
                action=attributes.get("action") or self.page_url,
                method=(attributes.get("method") or "get").upper(),
            )
            self.forms.append(self._current)
        elif tag in ("input", "select", "textarea") and self._current is not None:
            name = attributes.get("name")
            if name and name not in self._current.fields and attributes.get("type") != "submit":
                self._current.fields.append(name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def page_forms(html: str, page_url: str) -> list[PageForm]:
    reader = _FormReader(page_url)
    reader.feed(html)
    return reader.forms
