"""Channels: the environment sanctioned goods and cash move through (capacity, logit routing,
interdiction draws), shared by the shipping and interdiction steps for goods and for cash.

A sanctioned flow is offered to the routes that carry its good between its pair, in proportion
to its sender's logit weights over the routes with capacity; what does not fit is offered once
more, by the same weights, to the routes with room left; what still does not fit is not shipped.
The interdicted share of a route's flow of one good is drawn around the seized share
``p * (s + (1 - s) p)`` (:func:`seized_share`) with the binomial variance over the route's lots (a
normal approximation from fixed-count draws, clipped to [0, 1], which biases it upward when a route
carries few lots).
"""

from __future__ import annotations

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.model import kernels
from sanctionsim.model.context import Flows
from sanctionsim.model.pars import RoutePars
from sanctionsim.model.streams import Streams
from sanctionsim.model.structure import RouteSet, Structure

Array = np.ndarray


def seized_share(p: Array, routes: RoutePars) -> Array:
    """Share of a route's flow seized at detection probability ``p`` (R, K): detected lots are seized
    with probability ``s + (1 - s) p``, so seizure reaches everything as detection does."""
    return p * (routes.seize_share + (1.0 - routes.seize_share) * p)


def capacity(routes: RoutePars, health: Array, structure: Structure, compliance: Array) -> Array:
    """Usable capacity per route [USD/month], (R, K): base capacity after designations (none while
    health is below ``closed_below``: closed until rebuilt), throttled by the compliance of the third
    party a route runs through; infinite on the open route."""
    cap = routes.capacity * health * (health >= routes.closed_below)
    throttled = structure.via >= 0
    if throttled.any():
        comp = np.where(structure.via[throttled] == structure.compliance_actor, compliance[:, None], 0.0)
        cap[:, throttled] *= 1.0 - comp
    return cap


def allocate(
    rs: RouteSet, qty: Array, price: Array, weights: Array, cap: Array, routes: RoutePars
) -> tuple[Array, Array]:
    """Place sanctioned quantities on routes.

    Args:
        rs: The route set (physical goods or cash).
        qty: Quantities wanted, (R, U) over the route set's pair-goods.
        price: Unit prices, (R, U).
        weights: Each sender's logit weights over routes, (R, N, K).
        cap: Usable capacity per route, (R, K).
        routes: Route parameters (for the base capacity that sets the room threshold).

    Returns:
        Quantities and values shipped, each (R, Cs) over the route set's combos.

    Each round gives every combo its sender's weight for its route (zero where the route is full),
    splits the pair-good's wanted value by those weights, fills each route up to its capacity, and
    offers what did not fit to the next round; compiled in :func:`sanctionsim.model.kernels.allocate`.
    """
    room = EPS * np.maximum(np.nan_to_num(routes.capacity, posinf=1.0), 1.0)
    return kernels.allocate(
        np.ascontiguousarray(qty, dtype=np.float64),
        np.ascontiguousarray(price, dtype=np.float64),
        np.ascontiguousarray(weights, dtype=np.float64),
        np.ascontiguousarray(cap, dtype=np.float64),
        room,
        rs.src,
        rs.route,
        rs.pos,
        rs.pg_members,
        rs.by_route.starts,
        rs.by_route.groups,
    )


def route_normals(rs: RouteSet, streams: Streams, structure: Structure, t: int) -> Array:
    """Each combo's standard normal for month ``t``, (R, Cs): one normal per good each route can
    carry (a fixed count each month, whatever flows), read by the route's combos of that good."""
    z = np.concatenate(
        [
            streams.normal(f"route:{structure.routes[kk]}", t, len(structure.route_goods[kk]))
            for kk in rs.routes
        ],
        axis=1,
    )
    return np.ascontiguousarray(z[:, rs.z_col])


def interdict(
    rs: RouteSet,
    flows: Flows,
    p_detect: Array,
    routes: RoutePars,
    streams: Streams,
    structure: Structure,
    t: int,
) -> None:
    """Interdict the route set's shipments of month ``t``, in place: each combo loses its interdicted
    share of what it shipped (added to ``flows.interdicted``; the rest to ``flows.delivered``), and
    its shipped value times its route's detection probability is detected (``flows.detected_value``).

    The interdicted share of a combo is ``clip(m + sqrt(m (1 - m) / lots) z, 0, 1)``: ``m`` its route's
    :func:`seized_share`, ``lots`` the route's value shipped over its lot value (at least one), ``z``
    its normal (:func:`route_normals`); compiled in :func:`sanctionsim.model.kernels.interdict`.
    """
    lots = np.maximum(1.0, rs.by_route(flows.value[:, rs.cols]) / routes.lot_value)
    kernels.interdict(
        flows.shipped,
        flows.value,
        flows.delivered,
        flows.interdicted,
        flows.detected_value,
        rs.col_index,
        rs.route,
        np.ascontiguousarray(seized_share(p_detect, routes), dtype=np.float64),
        np.ascontiguousarray(lots, dtype=np.float64),
        np.ascontiguousarray(p_detect, dtype=np.float64),
        route_normals(rs, streams, structure, t),
    )
