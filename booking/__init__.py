"""Assisted booking: proposals, one-click approval, Stripe payments (``booking.payments``)
and the booking saga that never loses money, with its recovery worker. See docs/booking.md.
"""
