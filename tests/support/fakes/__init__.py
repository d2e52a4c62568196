"""In-memory fakes of the ports, one module per feature (they subclass the ports they stand in for).

The one home of fakes that more than one test module uses (``tests/unit/test_suite_layout.py`` checks it); a fake
only one test module needs may stay in it.
"""
