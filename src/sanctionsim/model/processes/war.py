"""The war-intensity path: the scenario's intensity, moved month by month by an AR(1) shock.

``x[t] = persistence * x[t-1] + path_sd * z[t]`` and the intensity this month is
``war.intensity * exp(x - var / 2)``, with ``var = path_sd^2 / (1 - persistence^2)`` the stationary
variance, so once the path has settled (x starts at 0) it is mean-one around what the scenario (and
its events) set. The belligerent's
demand for rounds follows it (``Actor.produce``), as do its need for personnel (relative to the
intensity at the start, ``start``), its manpower shortfall (``deployment``) and the entrapment force on
its ties.
"""

from __future__ import annotations

import numpy as np

from sanctionsim.model.context import Month
from sanctionsim.model.pars import WarPars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import WarState


class WarPath(Process):
    """Move the war-intensity path."""

    name = "war"
    title = "the war-intensity path: the scenario's intensity moved by persistent shocks"
    war: WarPars
    state: WarState

    def init_state(self) -> WarState:
        """No deviation at the start."""
        start = self.war.intensity.copy()
        return WarState(log_path=self.zeros(), intensity=start.copy(), start=start)

    def step(self, m: Month) -> None:
        """Draw this month's shock and set the intensity."""
        w, st = self.war, self.state
        z = self.streams.normal("war_path", m.t, 1)[:, 0]
        st.log_path = w.persistence * st.log_path + w.path_sd * z
        var = w.path_sd**2 / (1.0 - w.persistence**2)
        st.intensity = w.intensity * np.exp(st.log_path - 0.5 * var)

    @result("war_intensity", "multiplier", "Intensity of the war this month (fire rate multiplier)")
    def _intensity(self, m: Month) -> np.ndarray:
        return self.state.intensity
