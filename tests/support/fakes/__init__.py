"""In-memory fakes of the ports, one module per feature (they subclass the ports, so mypy checks them).

The deployment fakes are still in ``tests/deploy_support/fakes.py``.
"""
