"""Data arrival: S3 objects in, validated, de-duplicated and batched; labeled data checked and sent to training."""
