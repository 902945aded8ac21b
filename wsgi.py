"""WSGI entry point: ``gunicorn wsgi:app``."""

from expo import create_app

app = create_app()
