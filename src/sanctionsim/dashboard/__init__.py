"""The live dashboard: a Mesa SolaraViz app over an ensemble of one scenario (``sanctionsim dashboard``).

Modules: :mod:`~sanctionsim.dashboard.controls` (the levers table), :mod:`~sanctionsim.dashboard.document`
(a configuration as a scenario file), :mod:`~sanctionsim.dashboard.model` (the Mesa model SolaraViz
steps), :mod:`~sanctionsim.dashboard.views` and :mod:`~sanctionsim.dashboard.figures` (what is shown),
:mod:`~sanctionsim.dashboard.components` (the page's parts), :mod:`~sanctionsim.dashboard.app` (the
SolaraViz page) and :mod:`~sanctionsim.dashboard.server` (serving it offline on 127.0.0.1).
"""
