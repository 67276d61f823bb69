"""Take the network away from a process: a seccomp filter that refuses every socket but a local one.

The server's workers run SPARQL written by whoever can reach the server. Oxigraph can fetch
over HTTP (``SERVICE``); the query check refuses that, and this makes a mistake in the check
harmless: once :func:`forbid_network` has run, ``socket()`` for anything but ``AF_UNIX`` fails
with EACCES in this process and in every process it starts (Graphviz's ``dot``), and so does
``io_uring_setup`` (io_uring could open sockets without the ``socket`` call). Pipes and
sockets made before (the worker's line to the server) keep working.

The filter is classic BPF over ``struct seccomp_data`` (nr at offset 0, arch at 4, args at 16),
installed with ``prctl``: no library, no privilege (``PR_SET_NO_NEW_PRIVS`` first). Only
Linux on x86_64 and aarch64 is covered; elsewhere :func:`forbid_network` returns False and the
caller says so.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct
import sys

__all__ = ["forbid_network"]

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
AF_UNIX = 1

# machine -> (AUDIT_ARCH_*, socket, io_uring_setup); x86_64's x32 calls (nr | 0x40000000) are refused
_ARCH = {
    "x86_64": (0xC000003E, 41, 425),
    "aarch64": (0xC00000B7, 198, 425),
}

# classic BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _program(machine: str) -> bytes:
    arch, socket_nr, io_uring_nr = _ARCH[machine]
    deny = SECCOMP_RET_ERRNO | errno.EACCES
    insns = [
        _insn(_LD_W_ABS, 0, 0, 4),               # 0  A = arch
        _insn(_JEQ_K, 1, 0, arch),               # 1  native? go on (3) : refuse (2)
        _insn(_RET_K, 0, 0, deny),               # 2
        _insn(_LD_W_ABS, 0, 0, 0),               # 3  A = syscall number
        _insn(_JGE_K, 4, 0, 0x40000000),         # 4  x32 ABI -> refuse (9)
        _insn(_JEQ_K, 3, 0, io_uring_nr),        # 5  io_uring_setup -> refuse (9)
        _insn(_JEQ_K, 0, 3, socket_nr),          # 6  socket? look at the domain (7) : allow (10)
        _insn(_LD_W_ABS, 0, 0, 16),              # 7  A = args[0], the domain (low word)
        _insn(_JEQ_K, 1, 0, AF_UNIX),            # 8  AF_UNIX -> allow (10) : refuse (9)
        _insn(_RET_K, 0, 0, deny),               # 9
        _insn(_RET_K, 0, 0, SECCOMP_RET_ALLOW),  # 10
    ]
    return b"".join(insns)


def forbid_network() -> bool:
    """Install the filter in this process (and its future children). True when it is in force."""
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if not sys.platform.startswith("linux") or machine not in _ARCH or sys.byteorder != "little":
        return False
    program = _program(machine)
    count = len(program) // 8
    buffer = ctypes.create_string_buffer(program, len(program))

    class _Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = _Fprog(count, ctypes.addressof(buffer))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
        return False
    return True


if __name__ == "__main__":  # pragma: no cover - a manual check: python -m clausegraph.sandbox
    import socket

    print("filter in force:", forbid_network(), "pid", os.getpid())
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        print("AF_INET socket: allowed")
    except OSError as exc:
        print("AF_INET socket:", exc)
