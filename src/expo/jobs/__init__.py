"""Background jobs: long document work (issuing every certificate of an event) run by a
worker process through huey, with progress, cancellation and the results kept in the
document store. See ``queue`` for where jobs wait, ``tasks`` for what a worker runs."""
