"""Matchmaking (供采对接): one-to-one meetings at numbered tables, each with a timetable."""
