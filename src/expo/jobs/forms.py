from __future__ import annotations

from expo.fields import BaseForm


class JobActionForm(BaseForm):
    """Starting or cancelling a job: nothing to enter, only the CSRF token to check."""
