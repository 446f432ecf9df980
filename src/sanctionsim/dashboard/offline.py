"""Keep the dashboard server on this machine: no CDN, no telemetry, no connection off 127.0.0.1.

Solara can fetch its JavaScript from a CDN and send usage telemetry. :func:`offline_environment`
turns both off before solara is imported: the front-end assets are served from the
``solara-assets`` package (solara's asset proxy reads them from its cache folder, which that
package fills), and telemetry is disabled. :func:`guard_network` then makes any attempt of the
server process to resolve or connect to another host fail at once, with one line on stderr, so a
missing asset shows as an error instead of a silent download.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from typing import Any

#: Environment solara reads when it is imported.
OFFLINE_ENV: dict[str, str] = {
    "SOLARA_ASSETS_PROXY": "True",  # serve assets from the local cache (the solara-assets package)
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no usage reports
    "SOLARA_THEME_SHOW_BANNER": "False",
}

#: Start of the line written to stderr when a connection off this machine is refused.
BLOCKED = "sanctionsim dashboard: blocked"

_installed = False


def offline_environment() -> None:
    """Set solara's offline settings, in the environment and, if solara is already imported, in place."""
    os.environ.update(OFFLINE_ENV)
    if "solara.settings" in sys.modules:
        import solara.settings

        solara.settings.assets.proxy = True
    if "solara.server.settings" in sys.modules:
        import solara.server.settings

        solara.server.settings.telemetry.mixpanel_enable = False
        solara.server.settings.theme.show_banner = False


def is_local(host: Any) -> bool:
    """Whether a host (name, address or ``None``) is this machine: localhost or a loopback address."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    text = str(host).strip("[]")
    if text in ("", "localhost"):
        return True
    try:
        return ipaddress.ip_address(text.split("%")[0]).is_loopback
    except ValueError:
        return False


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event == "socket.connect":
        address = args[1]
        if not isinstance(address, tuple):  # a Unix socket
            return
        host = address[0]
    else:
        return
    if not is_local(host):
        sys.stderr.write(f"{BLOCKED} a connection to {host!r} (the dashboard works offline)\n")
        raise OSError(f"the sanctionsim dashboard does not connect to {host!r}: it works offline")


def guard_network() -> None:
    """Refuse, in this process, every name lookup of or connection to a host other than this machine.

    Installed once (Python audit hooks cannot be removed), so call it only in a process that serves
    the dashboard.
    """
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True
