"""Expo: the trade-promotion programme of Sichuan's commerce department, on the web."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def instance_path(config: Mapping[str, Any] | None = None) -> str:
    """The instance folder: ``INSTANCE_PATH`` given to the factory, else
    ``EXPO_INSTANCE_PATH``, else ``instance/`` beside the code. Chosen before any setting is
    read, since ``instance/config.py`` is one of them."""
    chosen = (config or {}).get("INSTANCE_PATH") or os.environ.get("EXPO_INSTANCE_PATH")
    return os.path.abspath(chosen) if chosen else str(PROJECT_ROOT / "instance")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=instance_path(config),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )

    from expo.config import load_config

    load_config(app, config)
    app.config["INSTANCE_PATH"] = app.instance_path

    from expo.web import IdConverter

    # Before any route is added: every <int:…> in a URL is an id in the databases' range.
    app.url_map.converters["int"] = IdConverter

    from expo import security

    security.init_app(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )
    _init_extensions(app)
    _register_blueprints(app)

    from expo.errors import register_error_handlers

    register_error_handlers(app)

    from expo.cli import register_commands

    register_commands(app)
    return app


def _init_extensions(app: Flask) -> None:
    from expo import (  # noqa: F401  (models: every table)
        caching,
        mail,
        models,
        monitoring,
        outage,
        ratelimit,
        templating,
    )
    from expo.extensions import babel, bootstrap, csrf, db, login_manager, migrate
    from expo.site import select_language

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_language,
        default_translation_directories=str(PROJECT_ROOT / "translations"),
    )
    bootstrap.init_app(app)
    login_manager.init_app(app)
    mail.init_app(app)
    templating.init_app(app)
    ratelimit.init_app(app)
    caching.init_app(app)
    outage.init_app(app)
    monitoring.init_app(app)

    from expo.accounts import access

    access.init_login_manager(login_manager)


def _register_blueprints(app: Flask) -> None:
    """One blueprint per area, named after its package and defined in its ``views``."""
    from expo import site
    from expo.accounts.views import bp as accounts_bp
    from expo.attendance.views import bp as attendance_bp
    from expo.audit.views import bp as audit_bp
    from expo.dashboards.views import bp as dashboards_bp
    from expo.delegations.views import bp as delegations_bp
    from expo.documents.views import bp as documents_bp
    from expo.enterprises.views import bp as enterprises_bp
    from expo.events.views import bp as events_bp
    from expo.jobs.views import bp as jobs_bp
    from expo.matchmaking.views import bp as matchmaking_bp
    from expo.messaging.views import bp as messaging_bp
    from expo.outcomes.views import bp as outcomes_bp
    from expo.registrations.views import bp as registrations_bp
    from expo.results.views import bp as results_bp

    for blueprint in (
        site.bp,
        accounts_bp,
        enterprises_bp,
        events_bp,
        registrations_bp,
        audit_bp,
        delegations_bp,
        documents_bp,
        attendance_bp,
        jobs_bp,
        dashboards_bp,
        outcomes_bp,
        results_bp,
        messaging_bp,
        matchmaking_bp,
    ):
        app.register_blueprint(blueprint)
