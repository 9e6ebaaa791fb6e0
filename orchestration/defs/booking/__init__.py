"""Assisted booking's background work: recovering interrupted bookings and emailing outcomes."""
