"""Outcome reports: what came of each event, reported by its enterprises."""
