"""Tests that need the SageMaker SDK; run by make pipeline-check only."""
