"""Test support for the deployment feature: builders, real-shaped events, task runners and a Step Functions
harness (its fakes are in :mod:`tests.support.fakes.deploy`)."""
