"""Deterministic generated data sets for the pipeline, its tests and the local demo."""
