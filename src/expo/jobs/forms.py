from __future__ import annotations

from flask_wtf import FlaskForm


class JobActionForm(FlaskForm):
    """Starting or cancelling a job: nothing to enter, only the CSRF token to check."""
