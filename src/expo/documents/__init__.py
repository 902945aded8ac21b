"""Printed documents: event schedules and participation certificates, rendered to PDF.

``render.render_pdf`` turns a template under ``templates/documents/`` into PDF bytes;
``certificates`` issues, stores, revokes and verifies certificates; ``storage`` keeps
generated files where every web host and worker can read them.
"""
