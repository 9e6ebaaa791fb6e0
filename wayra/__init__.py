"""Wayra's shared packages: settings, money, domain types, stores, providers and the simulator."""
