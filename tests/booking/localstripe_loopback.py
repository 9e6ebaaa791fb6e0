"""Run the localstripe emulator on 127.0.0.1 only, on a free port, with no on-disk state.

The ``localstripe`` command cannot do this: it listens on every interface (``::``), reloads
``/tmp/localstripe.pickle`` unless told ``--from-scratch``, and rewrites that one shared file
after every change, so concurrent test sessions on one machine would trample each other.
The port, once listening, is printed as the first line of stdout.
"""

from __future__ import annotations

import socket

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


if __name__ == "__main__":
    main()
