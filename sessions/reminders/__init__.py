"""Reminder emails to partners: the day before a session, and a weekly practice nudge."""
