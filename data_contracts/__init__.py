"""Contracts for raw provider feeds: one declarative file per feed, enforced at the door."""

from data_contracts.validate import Contract, ValidationResult, load_contract

__all__ = ["Contract", "ValidationResult", "load_contract"]
