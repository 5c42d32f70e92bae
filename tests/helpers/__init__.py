"""Builders and scripts shared by the store, order, session-flow and kill tests."""
