"""Shared AWS plumbing: clients, call/error translation, DynamoDB and the ledger, notifications, S3, Step Functions."""
