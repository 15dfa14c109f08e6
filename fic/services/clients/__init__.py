"""Clients over time: created ahead of a first session, reassigned, discharged, listed."""
