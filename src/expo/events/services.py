def open_campaigns():
    return []


def upcoming_events(limit: int = 6):
    return []
