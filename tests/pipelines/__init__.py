"""Tests of the pipeline (step scripts, generated data, the committed definition)."""
