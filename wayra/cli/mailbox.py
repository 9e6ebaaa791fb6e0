"""The demo's mailbox: a real SMTP server on 127.0.0.1 that keeps every message it receives as
an ``.eml`` file, so ``wayra demo`` delivers its alerts for real without mailing anyone."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from aiosmtpd.controller import Controller


class _SaveToDirectory:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        self.count += 1
        path = self.directory / f"{self.count:05d}.eml"
        path.write_bytes(envelope.original_content)
        return "250 2.0.0 Ok: kept"


class EphemeralPortController(Controller):
    """Binds port 0 (the kernel picks a free port) and then learns which one."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@contextlib.contextmanager
def local_mailbox(directory: Path) -> Iterator[tuple[int, _SaveToDirectory]]:
    """Yields (port, handler); ``handler.count`` says how many messages arrived."""
    directory.mkdir(parents=True, exist_ok=True)
    handler = _SaveToDirectory(directory)
    controller = EphemeralPortController(handler, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()
