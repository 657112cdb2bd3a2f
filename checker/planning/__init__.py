"""Planning: from findings to what to tell whom and when (reminders, escalations, digests)."""
