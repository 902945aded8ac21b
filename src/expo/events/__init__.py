"""Campaigns, their events abroad and the events' agendas."""
