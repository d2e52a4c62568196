"""Labeling: Ground Truth (or none) jobs for a batch, their manifests and UI templates, and their outcomes."""
