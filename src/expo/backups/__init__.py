"""Backups: one archive holding the database, the documents and the instance settings
(``flask --app expo backup`` / ``restore``); the rules in ``archive``, the commands in
``commands``."""
