"""Library code a long-running process loads when it is first used, not at start.

PyMySQL imports `cryptography`'s RSA pieces with itself, about 8 MB that every bot
process would then hold for good, for one rare path: sending the password RSA-encrypted
when MySQL 8's caching_sha2_password (or sha256_password) has to authenticate in full
over a connection without TLS. `defer_mysql_rsa` puts a stand-in for each of those
modules in `sys.modules`: PyMySQL imports the stand-ins (and sees `cryptography`
installed), and the first attribute anyone reads from one imports the real module and
answers from it, so nothing behaves differently. (The standard library's `LazyLoader`
cannot do it: `cryptography` swaps its own module objects in `sys.modules` as they load.)
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

MYSQL_RSA_MODULES = (
    "cryptography.hazmat.primitives.hashes",
    "cryptography.hazmat.primitives.serialization",
    "cryptography.hazmat.primitives.asymmetric.padding",
)


class OnFirstUse(types.ModuleType):
    """A module that imports the real one when any of its attributes is first read."""

    def __getattr__(self, attribute: str) -> Any:
        real = self.__dict__.get("_real")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = self._real = importlib.import_module(self.__name__)
        return getattr(real, attribute)


def defer_mysql_rsa() -> None:
    """Make the RSA modules PyMySQL imports load on first use. Call it before the MySQL
    driver is first imported; later, or without `cryptography`, it changes nothing."""
    if "pymysql" in sys.modules:
        return
    for name in MYSQL_RSA_MODULES:
        if name in sys.modules:
            continue
        try:
            spec = importlib.util.find_spec(name)  # imports the (empty) parent packages
        except ModuleNotFoundError:
            return  # PyMySQL tells whoever needs RSA that cryptography is missing
        if spec is None:
            return
        stand_in = OnFirstUse(name)
        stand_in.__spec__ = spec
        sys.modules[name] = stand_in
        parent, _, child = name.rpartition(".")
        setattr(sys.modules[parent], child, stand_in)
