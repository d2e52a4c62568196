"""Helpers shared by the whole suite."""
