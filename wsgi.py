"""WSGI entry point: ``gunicorn wsgi:app``. It refuses to start while the database is
behind the code, the documents directory cannot be written or the secret key is weak."""

from expo import create_app
from expo.startup import refuse_to_start_if_unready

app = create_app()
refuse_to_start_if_unready(app)
