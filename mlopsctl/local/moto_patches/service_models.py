"""Read botocore's service models once per process, not once per boto3 session; behaviour unchanged.

Every local stack makes new boto3 sessions (its own clients', the default session that handlers and moto's Step
Functions interpreter use, see :mod:`.runtime`), and each botocore session has a loader of its own, which reads and
decodes the JSON models (``service-2``, ``endpoint-rule-set-1``, paginators, waiters...) of every service it makes a
client for: about 0.1 s of CPU per stack (botocore 1.44.5). What a loader returns depends only on its search paths
and on the files under them, which do not change while the process runs; within one session botocore already hands
the same decoded model to every client it makes. :func:`installed` makes the loaders of the sessions created while it
is open share one cache per search path list, so a model is decoded once per process.

Examples
--------
>>> import botocore.session
>>> with installed():
...     a = botocore.session.Session().get_component("data_loader")
...     b = botocore.session.Session().get_component("data_loader")
...     a.load_service_model("sqs", "service-2") is b.load_service_model("sqs", "service-2")
True
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import botocore.loaders  # type: ignore[import-untyped, unused-ignore]
import botocore.session  # type: ignore[import-untyped, unused-ignore]

#: one cache per search path list (what a loader returns depends on its search paths only)
_caches: dict[tuple[str, ...], dict[Any, Any]] = {}
_lock = threading.Lock()


class SharedCacheLoader(botocore.loaders.Loader):  # type: ignore[misc]
    """botocore's ``Loader``, whose ``instance_cache`` is the process's cache for its current search paths.

    The search paths are read at each call, since boto3 appends its own folder after the loader is made.
    """

    @property
    def _cache(self) -> dict[Any, Any]:
        key = tuple(self.search_paths)
        with _lock:
            return _caches.setdefault(key, {})

    @_cache.setter
    def _cache(self, _value: dict[Any, Any]) -> None:
        """``Loader.__init__`` sets an empty cache of its own: the shared one stands in for it."""


def _create_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    """``botocore.loaders.create_loader``, making a :class:`SharedCacheLoader`."""
    made = botocore.loaders.create_loader(search_path_string)
    return SharedCacheLoader(
        extra_search_paths=list(made.search_paths), include_default_search_paths=False, file_loader=made.file_loader
    )


@contextmanager
def installed() -> Iterator[None]:
    """Sessions created while the context is open share decoded service models (see the module docstring)."""
    with mock.patch.object(botocore.session, "create_loader", _create_loader):
        yield
