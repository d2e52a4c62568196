"""In-memory fakes of the ports, one module per feature (they subclass the ports they stand in for).

The deployment fakes are still in ``tests/deploy_support/fakes.py``.
"""
