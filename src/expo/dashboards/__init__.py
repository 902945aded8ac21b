"""What organizers see first: the work waiting for them, and the events at a glance."""
