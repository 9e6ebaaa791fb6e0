"""A Stripe emulator (localstripe) on 127.0.0.1 only, on a free port, with no on-disk state:
the tests, the chaos run and ``wayra demo`` charge real Stripe API calls against it.

The ``localstripe`` command cannot do this: it listens on every interface (``::``), reloads
``/tmp/localstripe.pickle`` unless told ``--from-scratch``, and rewrites that one shared file
after every change, so concurrent test sessions on one machine would trample each other.
Run as ``python -m booking.payments.local_emulator``: the port, once listening, is printed as
the first line of stdout. ``local_stripe()`` starts one for the length of a ``with`` block.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import subprocess
import sys
from collections.abc import Iterator

from aiohttp import web
from localstripe import resources
from localstripe.server import app


def main() -> None:
    resources.Store.dump_to_disk = lambda self: None  # keep the store in memory only
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)  # connections queue from here on, before aiohttp accepts them
    print(listener.getsockname()[1], flush=True)
    web.run_app(app, sock=listener, print=None, access_log=None, handle_signals=True)


@contextlib.contextmanager
def local_stripe(start_timeout_s: float = 30) -> Iterator[str]:
    """A fresh emulator for the block; yields its base URL (``http://127.0.0.1:PORT``)."""
    with subprocess.Popen(
        [sys.executable, "-m", "booking.payments.local_emulator"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(process.stdout, selectors.EVENT_READ)
                ready = selector.select(timeout=start_timeout_s)
            line = process.stdout.readline().strip() if ready else ""
            if not line.isdigit():
                raise RuntimeError("the local Stripe emulator (localstripe) did not start")
            yield f"http://127.0.0.1:{line}"
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
