"""Serve the dashboard on 127.0.0.1 with solara's server (uvicorn), offline.

The socket is bound before the address is announced, so a client that reads the address can
connect at once (connections wait in the backlog until the server accepts them).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from sanctionsim.dashboard.offline import guard_network, offline_environment

if TYPE_CHECKING:  # importing the app imports solara, which must see the offline settings first
    from sanctionsim.dashboard.app import DashboardSettings

#: The only interface the dashboard listens on.
HOST: str = "127.0.0.1"
#: The solara page served.
APP: str = "sanctionsim.dashboard.app:Page"


def serve(settings: DashboardSettings, *, port: int, announce: Callable[[str], None]) -> None:
    """Serve the dashboard until interrupted.

    Args:
        settings: What the page opens.
        port: TCP port on 127.0.0.1 (0: any free port).
        announce: Called once with the address (``http://127.0.0.1:PORT/``) when the port is bound.
    """
    offline_environment()
    os.environ["SOLARA_APP"] = APP
    # solara warns on every connection that plain http cannot use samesite=none cookies; on
    # 127.0.0.1 it falls back to samesite=lax, which is what a local page wants
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    guard_network()
    import uvicorn

    from sanctionsim.dashboard import app

    app.configure(settings)
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
