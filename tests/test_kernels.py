"""The kernels the kit starts talk to it encrypted, and say nothing alarming while they do."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
import zmq
from helpers import new_session

from wholecomm_kit.kernels import EncryptedKernelManager, encryption_policy, papermill_options, voila_options

PLAIN_WARNING = "without encryption"
needs_curve = pytest.mark.skipif(not zmq.has("curve"), reason="this pyzmq was built without CurveZMQ")


def test_the_policy_follows_what_pyzmq_can_do() -> None:
    expected = "auto" if zmq.has("curve") else "disabled"
    assert encryption_policy() == expected
    assert EncryptedKernelManager().transport_encryption == expected
    assert voila_options() == [f"--KernelManager.transport_encryption={expected}"]
    assert papermill_options() == {"kernel_manager_class": EncryptedKernelManager}


@needs_curve
def test_a_kernel_runs_code_over_an_encrypted_connection(tmp_path: Path) -> None:
    log = tmp_path / "kernel.log"

    async def run() -> dict[str, object]:
        manager = EncryptedKernelManager(kernel_name="python3")
        with log.open("w") as stderr:
            await manager.start_kernel(stderr=stderr)
        try:
            info = manager.get_connection_info()
            assert info.get("curve_publickey")
            assert info.get("curve_secretkey")
            client = manager.client()
            client.start_channels()
            await client.wait_for_ready(timeout=60)
            reply = await client.execute_interactive("print(6 * 7)", output_hook=outputs.append, timeout=60)
            client.stop_channels()
            return dict(reply["content"])
        finally:
            await manager.shutdown_kernel(now=True)

    outputs: list[dict[str, object]] = []
    content = asyncio.run(run())
    assert content["status"] == "ok"
    printed = [str(m["content"]["text"]) for m in outputs if m["msg_type"] == "stream"]  # type: ignore[index]
    assert printed == ["42\n"]
    assert PLAIN_WARNING not in log.read_text()


@pytest.mark.slow
def test_report_runs_its_notebook_without_the_plain_connection_warning(tmp_path: Path) -> None:
    session = new_session(tmp_path, "Stillort", date="2025-02-03", language="de")
    result = subprocess.run(
        [sys.executable, "-m", "wholecomm_kit", "report", str(session.path), "--format", "html"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert (session.path / "report" / "handout.html").exists()
    assert PLAIN_WARNING not in result.stderr
