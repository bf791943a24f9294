"""One router per page area: each module of this package defines ``router`` (an ``APIRouter``), and
``create_app`` includes every one of them (``page_routers``), so a new page area is one module here plus its
templates. Its state-changing routes must be listed in ``tests/web/test_role_matrix.py`` (a test fails when
one is not)."""
from __future__ import annotations

import importlib
import pkgutil


def page_routers() -> list:
    """The ``router`` of every module of this package, in module-name order (paths do not overlap between
    areas, so the order does not matter)."""
    routers = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        routers.append(module.router)  # a module without one is a mistake: AttributeError names it
    return routers
