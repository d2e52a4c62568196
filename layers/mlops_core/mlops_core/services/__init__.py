"""Service layer: use cases that wire the pure domain to the ports; handlers call exactly one of them."""

from __future__ import annotations
