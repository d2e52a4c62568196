"""Models the training pipeline can train: one folder per model (its step scripts and ``model.json``)."""
