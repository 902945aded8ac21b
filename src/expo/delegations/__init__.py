"""Delegations abroad and inbound buyers' groups, their members and itineraries."""
