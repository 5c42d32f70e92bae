"""Finding a listener by name: `builtin:NAME` (zoo.py's `builtin:zoo-N` too), `MODULE:ATTR` or
`path/to/file.py:ATTR`."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from pathlib import Path

from hd_desktop.engine.listeners import BUILTIN
from hd_desktop.engine.zoo import ZOO_SIZE, zoo_listener
from hd_desktop.errors import UserFacingError


def load_listener(spec: str, *, seed: int = 0):
    """The listener named by `spec`; a class or factory is called with no arguments.

    Built-ins get `seed` (their answers are seeded); others seed themselves.
    """
    where, sep, attr = spec.rpartition(":")
    if not sep or not where or not attr:
        raise UserFacingError(f"listener {spec!r}: expected builtin:NAME, MODULE:ATTR or FILE.py:ATTR")
    if where == "builtin":
        if attr.startswith("zoo-") and attr[4:].isdigit() and int(attr[4:]) < ZOO_SIZE:
            return zoo_listener(int(attr[4:]), seed=seed)
        if attr not in BUILTIN:
            raise UserFacingError(f"no built-in listener {attr!r} (known: {', '.join(BUILTIN)}, "
                                  f"zoo-0 ... zoo-{ZOO_SIZE - 1})")
        return BUILTIN[attr](seed=seed)
    module = _module(where, spec)
    try:
        obj = getattr(module, attr)
    except AttributeError:
        raise UserFacingError(f"listener {spec!r}: {where} has no {attr!r}") from None
    if inspect.isclass(obj) or (callable(obj) and not hasattr(obj, "vote")):
        try:
            obj = obj()
        except Exception as exc:
            raise UserFacingError(f"listener {spec!r}: calling {attr}() failed: {exc}") from exc
    if not callable(getattr(obj, "vote", None)):
        raise UserFacingError(f"listener {spec!r}: {attr} has no vote(stimulus) method")
    return obj


def _module(where: str, spec: str):
    if where.endswith(".py") or "/" in where or "\\" in where:
        path = Path(where).expanduser().resolve()
        if not path.is_file():
            raise UserFacingError(f"listener {spec!r}: no file {path}")
        if path.suffix != ".py":
            raise UserFacingError(f"listener {spec!r}: {path} is not a Python file (.py); give "
                                  "FILE.py:ATTR, MODULE:ATTR or builtin:NAME")
        name = f"hd_listener_{abs(hash(str(path)))}"
        loader = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(loader)
        sys.modules[name] = module
        try:
            loader.loader.exec_module(module)
        except Exception as exc:
            raise UserFacingError(f"listener {spec!r}: importing {path} failed: {exc}") from exc
        return module
    if not all(part.isidentifier() for part in where.split(".")):
        raise UserFacingError(f"listener {spec!r}: {where!r} is not a module name (like "
                              "my_lab.listeners) nor a file path ending in .py")
    try:
        return importlib.import_module(where)
    except ImportError as exc:
        raise UserFacingError(f"listener {spec!r}: cannot import {where}: {exc}") from exc
