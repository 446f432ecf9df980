"""Serve the dashboard on 127.0.0.1 with solara's server (uvicorn), offline.

The socket is bound before the address is announced, so a client that reads the address can
connect at once (connections wait in the backlog until the server accepts them).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from sanctionsim.dashboard.offline import guard_network, offline_environment

#: The only interface the dashboard listens on.
HOST: str = "127.0.0.1"
#: The solara page served.
APP: str = "sanctionsim.dashboard.app:Page"


def serve(settings: object, *, port: int, announce: Callable[[str], None]) -> None:
    """Serve the dashboard until interrupted.

    Args:
        settings: A :class:`sanctionsim.dashboard.app.DashboardSettings`.
        port: TCP port on 127.0.0.1 (0: any free port).
        announce: Called once with the address (``http://127.0.0.1:PORT/``) when the port is bound.
    """
    offline_environment()
    os.environ["SOLARA_APP"] = APP
    guard_network()
    import uvicorn

    from sanctionsim.dashboard import app

    app.configure(settings)  # type: ignore[arg-type]
    config = uvicorn.Config(
        "solara.server.starlette:app", host=HOST, port=port, log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    sock = config.bind_socket()
    bound = sock.getsockname()[1]
    os.environ["SERVER_NAME"] = HOST
    os.environ["SERVER_PORT"] = str(bound)
    announce(f"http://{HOST}:{bound}/")
    server.run(sockets=[sock])
