"""The production files in deploy/ say what the application expects."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from expo.config import ENV_PREFIX, setting_types

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_the_environment_file_names_only_settings_expo_knows():
    known = setting_types(Flask(__name__).default_config)
    names = re.findall(r"^(EXPO_\w+)=", (DEPLOY / "expo.env.example").read_text(), re.M)
    assert "EXPO_PROXY_COUNT" in names and "EXPO_SECRET_KEY" in names
    assert [name for name in names if name[len(ENV_PREFIX) :] not in known] == []


def test_nginx_passes_the_client_on_and_never_sends_a_post_twice():
    site = (DEPLOY / "nginx" / "expo.conf").read_text()
    directives = [line.split("#")[0].strip() for line in site.splitlines()]
    retries = [line for line in directives if line.startswith("proxy_next_upstream ")]
    assert retries == ["proxy_next_upstream error timeout http_502;"]
    # A kept connection closed by the host as a POST is sent on it would answer that POST
    # with 502: no connections are kept to the web hosts.
    assert not [line for line in directives if line.startswith("keepalive ")]
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert any(line.startswith(f"proxy_set_header {header} ") for line in directives)
