"""The notebook kernels the kit starts itself talk to it encrypted.

A kernel and the process driving it (``report`` through papermill, ``serve`` through Voilà)
exchange the workshop's answers over local TCP sockets. Any program on the same computer can
connect to such a socket, so the kit has them encrypted with CurveZMQ, with keys that only the
kernel's private connection file holds. Recent kernels also warn about plain sockets on every
start, which a facilitator should not have to read.
"""

from __future__ import annotations

from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import default

ENCRYPTION_OPTION = "transport_encryption"


def encryption_policy() -> str:
    """``auto`` (encrypt every kernel whose kernelspec supports it) where pyzmq has CurveZMQ, else ``disabled``."""
    import zmq

    return "auto" if zmq.has("curve") else "disabled"


class EncryptedKernelManager(AsyncKernelManager):
    """The kernel manager for notebooks that ``report`` runs through papermill."""

    @default(ENCRYPTION_OPTION)
    def _encrypt_when_possible(self) -> str:
        return encryption_policy()


def voila_options() -> list[str]:
    """Command-line options that make Voilà start its kernels the same way."""
    return [f"--KernelManager.{ENCRYPTION_OPTION}={encryption_policy()}"]


def papermill_options() -> dict[str, Any]:
    """Keyword arguments for ``papermill.execute_notebook`` (passed on to nbclient)."""
    return {"kernel_manager_class": EncryptedKernelManager}
