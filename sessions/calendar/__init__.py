"""A therapist's calendar: week view, day agenda, booking from it, and a private iCalendar
feed of their sessions."""
