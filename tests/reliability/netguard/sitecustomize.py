"""Loaded first by every child Python of the privacy tests (this folder is on PYTHONPATH).

It lets connections reach this machine only (loopback and Unix sockets). Anything else, a
connection or a name lookup of another host, raises OSError and is appended to the file named
by CPTCITE_NETGUARD_LOG: the log catches attempts even where a library swallows the error (as
telemetry clients do). At exit the loaded top-level module names go to CPTCITE_MODULES_LOG.
"""

from __future__ import annotations

import atexit
import ipaddress
import json
import os
import socket
import sys
import traceback

_LOG = os.environ.get("CPTCITE_NETGUARD_LOG")
_MODULES = os.environ.get("CPTCITE_MODULES_LOG")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", ""}
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _local(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str) -> OSError:
    if _LOG:
        where = "".join(traceback.format_stack(limit=8)[:-2]).replace("\n", " | ")
        with open(_LOG, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()} {sys.argv[:2]} {what} :: {where}\n")
    return OSError(f"netguard: {what} is off this machine; cptcite must stay offline")


def _check(sock: socket.socket, address: object) -> None:
    if sock.family == getattr(socket, "AF_UNIX", None):
        return
    host = address[0] if isinstance(address, tuple) else address
    if not _local(host):
        raise _refuse(f"connect {address!r}")


def _connect(self: socket.socket, address: object) -> None:
    _check(self, address)
    return _real_connect(self, address)


def _connect_ex(self: socket.socket, address: object) -> int:
    _check(self, address)
    return _real_connect_ex(self, address)


def _getaddrinfo(host: object, *args: object, **kwargs: object) -> list:
    if host is not None and not _local(host):
        raise _refuse(f"getaddrinfo {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def _dump_modules() -> None:
    if _MODULES:
        with open(_MODULES, "w", encoding="utf-8") as fh:
            json.dump(sorted({m.split(".")[0] for m in list(sys.modules)}), fh)


socket.socket.connect = _connect  # type: ignore[method-assign]
socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _getaddrinfo  # type: ignore[assignment]
atexit.register(_dump_modules)
