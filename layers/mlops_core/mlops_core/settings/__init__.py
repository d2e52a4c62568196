"""Each function's settings, read from its environment once per cold start (see :mod:`.base`).

Nothing is imported here: a function imports the module of its own settings and builds only those.
"""
