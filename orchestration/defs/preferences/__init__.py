"""Preference learning: criterion weights per traveler from their feedback on packages."""
