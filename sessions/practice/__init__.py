"""Guided practice in the portal: a paced breathing screen, alone or together."""
