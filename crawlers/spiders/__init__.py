"""One spider class per site family; a profile (crawlers/profiles/*.toml) points one at a site.

A family is one module of this package defining a ``MessageSpider`` subclass with its own ``family`` name: the
class registers itself (``MessageSpider.__init_subclass__``) and ``families()`` finds it. Profile validation, the
crawl and the contract tests (tests/crawlers/) all read ``families()``; nothing else lists the families.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from crawlers.profiles import Profile, ProfileError
from crawlers.spiders.base import REGISTRY, MessageSpider


@lru_cache(maxsize=1)
def _import_family_modules() -> None:
    # An import error propagates: a family module that cannot load is a bug, never a family left out.
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


def families() -> dict[str, type[MessageSpider]]:
    """Every spider family by name (sorted), the modules of this package imported on the first call."""
    _import_family_modules()
    return dict(sorted(REGISTRY.items()))


def spider_class(family: str) -> type[MessageSpider]:
    known = families()
    if family not in known:
        raise ProfileError(f"family {family!r} is not one of {', '.join(known)}")
    return known[family]


def spider_for(profile: Profile) -> type[MessageSpider]:
    return spider_class(profile.family)
