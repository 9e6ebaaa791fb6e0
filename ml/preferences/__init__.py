"""Preference learning: per-traveler criterion weights for the package optimizer, learned from
approvals, declines and choices. See ``docs/preferences.md``."""
