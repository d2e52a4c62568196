"""Test support for the deployment feature: in-memory fakes of its ports, builders, and a Step Functions harness."""
