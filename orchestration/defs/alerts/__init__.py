"""Smart alerts: rules evaluated after each publication, delivered through the outbox."""
