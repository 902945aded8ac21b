"""A record of what organizers did to applications and enterprises, for administrators."""
