"""The event day: who came, checked in at the door by organizers and desk staff."""
