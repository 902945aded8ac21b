"""Applications of enterprises to events: delegates, answers, review, capacity, waiting list."""
