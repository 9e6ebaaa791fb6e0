from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from wayra.opstore.users import authenticate, create_user, rotate_api_key


def test_key_is_returned_once_and_only_its_hash_is_stored(session_factory) -> None:
    with session_factory() as session:
        user, key = create_user(session, "Ana@Example.com", "Ana", plan="monitoring")
        session.commit()
        assert key.startswith("wyr_") and len(key) >= 40
        assert user.email == "ana@example.com"
        assert user.plan == "monitoring"

        stored = session.execute(text("SELECT * FROM users")).mappings().one()
        assert key not in {str(value) for value in stored.values()}
        assert not any(key in str(value) for value in stored.values())
        assert stored["api_key_hash"] == hashlib.sha256(key.encode()).hexdigest()
        assert key.startswith(stored["api_key_prefix"])


def test_authenticate_accepts_only_the_exact_key(session_factory) -> None:
    with session_factory() as session:
        ana, ana_key = create_user(session, "ana@example.com", "Ana")
        bob, bob_key = create_user(session, "bob@example.com", "Bob")
        session.commit()

        assert authenticate(session, ana_key).id == ana.id
        assert authenticate(session, bob_key).id == bob.id
        assert ana_key != bob_key

        flipped = ana_key[:-1] + ("A" if ana_key[-1] != "A" else "B")
        same_prefix_other_secret = ana_key[:16] + bob_key[16:]
        for bad in (
            flipped,
            same_prefix_other_secret,
            ana_key[:16],
            ana_key + "x",
            "wyr_" + "x" * 43,
            ana_key.removeprefix("wyr_"),
            "",
            None,
        ):
            assert authenticate(session, bad) is None, bad


def test_unknown_plan_is_rejected(session_factory) -> None:
    with session_factory() as session, pytest.raises(ValueError, match="plan"):
        create_user(session, "x@example.com", "X", plan="platinum")


def test_rotating_a_key_revokes_the_old_one(session_factory) -> None:
    with session_factory() as session:
        user, old_key = create_user(session, "ana@example.com", "Ana")
        session.commit()
        new_key = rotate_api_key(session, user)
        session.commit()
        assert new_key != old_key
        assert authenticate(session, old_key) is None
        assert authenticate(session, new_key).id == user.id
