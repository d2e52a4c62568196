"""Training: starting the SageMaker pipeline for a batch, its step code, its records and its outcomes."""
