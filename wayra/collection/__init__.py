"""Turning watches into provider searches and provider answers into raw quote batches."""
