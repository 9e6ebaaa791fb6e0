"""Booking: proposals, approval, the booking saga, payments and automation guardrails.

Not built yet (issue "Assisted booking"). The simulator's providers already expose
reprice/book/cancel with idempotency keys for the saga to use.
"""
