"""Messages from organizers to the enterprises taking part in an event."""
