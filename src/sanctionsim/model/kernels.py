"""Compiled kernels (numba) for the model's hot paths: sums over groups of columns, fused loops.

Every kernel loops over replicates in the outer loop and does, for each replicate, exactly the
arithmetic of the numpy code it replaces, in the same order: sums use numpy's own pairwise
summation (:func:`pairwise_sum`, the algorithm of ``np.add.reduce`` on contiguous data: sequential
below 8 terms, eight accumulators up to 128, halves above), and a segment's sum starts from its
first term as ``np.add.reduceat`` does. So replicate ``r``'s numbers do not depend on how many
replicates run beside it, and the kernels give the numbers numpy gave (``tests/test_kernels.py``
checks both bit for bit). No ``fastmath``: the compiler may not reorder or contract arithmetic.

Compiled functions are cached on disk (``cache=True``), so a new process loads them in
milliseconds; the first import on a machine compiles them (a few seconds).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
from numba import njit

from sanctionsim.constants import EPS

Array = np.ndarray
EPS_K = float(EPS)  # a plain float the compiled code takes as a constant


def kernel[F: Callable[..., Any]](fn: F) -> F:
    """Compile ``fn`` with numba: cached on disk, no fast-math (results must equal numpy's)."""
    compiled: Any = njit(cache=True, nogil=True, error_model="numpy")(fn)
    return cast(F, compiled)


def inline_kernel[F: Callable[..., Any]](fn: F) -> F:
    """Like :func:`kernel`, inlined into the kernels that call it (for small helpers)."""
    compiled: Any = njit(cache=True, nogil=True, error_model="numpy", inline="always")(fn)
    return cast(F, compiled)


@inline_kernel
def block_sum(a: Array, lo: int, n: int) -> float:
    """Sum ``a[lo:lo + n]`` for ``n <= 128`` as numpy's pairwise summation does (not recursive, so
    the compiler inlines it)."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    m = n - (n % 8)
    while i < m:
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@kernel
def pairwise_sum(a: Array, lo: int, n: int) -> float:
    """Sum ``a[lo:lo + n]`` as ``np.add.reduce`` does on contiguous float64 data (pairwise)."""
    if n <= 128:
        return block_sum(a, lo, n)
    n2 = n // 2
    n2 -= n2 % 8
    return pairwise_sum(a, lo, n2) + pairwise_sum(a, lo + n2, n - n2)


@inline_kernel
def segment_sum(a: Array, lo: int, hi: int) -> float:
    """Sum ``a[lo:hi]`` (``hi > lo``) as one segment of ``np.add.reduceat``: first term, plus the rest."""
    acc = a[lo]
    n = hi - lo - 1
    if n > 128:
        acc += pairwise_sum(a, lo + 1, n)
    elif n > 0:
        acc += block_sum(a, lo + 1, n)
    return acc


@kernel
def group_sum(
    values: Array, order: Array, starts: Array, groups: Array, size: int, scale: Array | None = None
) -> Array:
    """Sum the columns of ``values`` (R, C), taken in ``order``, over segments starting at ``starts``
    into columns ``groups`` of an (R, size) array of zeros (see ``structure.GroupSum``); with
    ``scale`` (C,), the columns of ``values * scale`` (the product taken as numpy takes it)."""
    r_count, c_count = values.shape
    out = np.zeros((r_count, size))
    buf = np.empty(c_count)
    n_groups = len(starts)
    for r in range(r_count):
        if scale is None:
            for c in range(c_count):
                buf[c] = values[r, order[c]]
        else:
            for c in range(c_count):
                buf[c] = values[r, order[c]] * scale[order[c]]
        for k in range(n_groups):
            hi = starts[k + 1] if k + 1 < n_groups else c_count
            out[r, groups[k]] = segment_sum(buf, starts[k], hi)
    return out


@kernel
def sorted_group_sum(values: Array, starts: Array, groups: Array, size: int) -> Array:
    """:func:`group_sum` for C-contiguous ``values`` whose columns are in group order already
    (segments of each row read in place, without a copy)."""
    r_count, c_count = values.shape
    out = np.zeros((r_count, size))
    flat = values.ravel()
    n_groups = len(starts)
    for r in range(r_count):
        base = r * c_count
        for k in range(n_groups):
            hi = starts[k + 1] if k + 1 < n_groups else c_count
            out[r, groups[k]] = segment_sum(flat, base + starts[k], base + hi)
    return out


@kernel
def select_sum(values: Array, columns: Array) -> Array:
    """Sum columns ``columns`` of ``values`` (R, C) per row, as ``rowsum(values[:, columns])``, (R,)."""
    r_count = values.shape[0]
    n = len(columns)
    out = np.zeros(r_count)
    if n == 0:
        return out
    buf = np.empty(n)
    for r in range(r_count):
        for c in range(n):
            buf[c] = values[r, columns[c]]
        out[r] = segment_sum(buf, 0, n)
    return out


def padded_members(index: np.ndarray, size: int) -> np.ndarray:
    """Each group's columns in order, padded with -1: (size, widest group), for :func:`_padded_into`.

    Only for groups of at most 8 columns, whose sums numpy takes in sequence.
    """
    index = np.asarray(index)
    width = max(1, max((int((index == k).sum()) for k in range(size)), default=1))
    if width > 8:
        raise ValueError(f"padded group sums take groups of at most 8 columns, got {width}")
    members = np.full((size, width), -1, dtype=np.int64)
    for k in range(size):
        cols = np.flatnonzero(index == k)
        members[k, : len(cols)] = cols
    return members


@inline_kernel
def _padded_into(x: Array, members: Array, out: Array) -> None:
    """``out[k] = GroupSum(x)[k]`` for groups of at most 8 columns, without branches on their sizes:
    the first term plus the sum of the rest in sequence (as ``np.add.reduceat``); padding adds 0."""
    n_groups, width = members.shape
    for k in range(n_groups):
        first = members[k, 0]
        head = x[first] if first >= 0 else 0.0
        tail = 0.0
        for j in range(1, width):
            c = members[k, j]
            tail += x[c] if c >= 0 else 0.0
        out[k] = head + tail if width > 1 and members[k, 1] >= 0 else head


@kernel
def padded_sums(x: Array, members: Array, out: Array) -> None:
    """:func:`_padded_into` callable from Python (for tests)."""
    _padded_into(x, members, out)


@inline_kernel
def _route_sums(x: Array, k_starts: Array, k_groups: Array, out: Array) -> None:
    """``out[:] = GroupSum(x)`` over routes, for combos sorted by route (contiguous segments)."""
    out[:] = 0.0
    n = len(x)
    n_groups = len(k_starts)
    for k in range(n_groups):
        hi = k_starts[k + 1] if k + 1 < n_groups else n
        out[k_groups[k]] = segment_sum(x, k_starts[k], hi)


@kernel
def allocate(
    qty: Array,
    price: Array,
    weights: Array,
    cap: Array,
    room: Array,
    src: Array,
    route: Array,
    pos: Array,
    pg_members: Array,
    k_starts: Array,
    k_groups: Array,
) -> tuple[Array, Array]:
    """Place sanctioned quantities on routes, replicate by replicate: the arithmetic of
    ``channels.allocate`` (two rounds of logit shares filled up to capacity) fused in one loop.

    Combos must be sorted by route (a route set's are). A replicate that wants nothing ships
    nothing, and a round with nothing left to place changes nothing, so both are skipped.

    Returns:
        Quantities and values shipped, each (R, Cs).
    """
    r_count = qty.shape[0]
    n_combos = len(route)
    k_count = cap.shape[1]
    shipped = np.zeros((r_count, n_combos))
    values = np.zeros((r_count, n_combos))
    unit = np.empty(n_combos)
    wanted = np.empty(n_combos)
    total = np.empty(n_combos)
    w = np.empty(n_combos)
    val = np.empty(n_combos)
    placed = np.empty(n_combos)
    by_pg = np.empty(pg_members.shape[0])
    by_k = np.empty(k_count)
    fill = np.empty(k_count)
    room_left = np.empty(k_count)
    for r in range(r_count):
        anything = False
        for c in range(n_combos):
            unit[c] = price[r, pos[c]]
            wanted[c] = qty[r, pos[c]] * unit[c]
            total[c] = 0.0
            anything = anything or wanted[c] != 0.0
        if not anything:  # zeros out, as the rounds would give
            for c in range(n_combos):
                u = unit[c]
                shipped[r, c] = 0.0 / (u if u >= EPS_K else EPS_K)
            continue
        for k in range(k_count):
            room_left[k] = cap[r, k]
        for _ in range(2):
            for c in range(n_combos):
                k = route[c]
                w[c] = weights[r, src[c], k] * (1.0 if room_left[k] > room[r, k] else 0.0)
            _padded_into(w, pg_members, by_pg)
            for c in range(n_combos):
                v = by_pg[pos[c]]
                val[c] = wanted[c] * w[c] / (v if v >= EPS_K else EPS_K)
            _route_sums(val, k_starts, k_groups, by_k)
            for k in range(k_count):
                v = by_k[k]
                f = room_left[k] / (v if v >= EPS_K else EPS_K)
                fill[k] = f if f <= 1.0 else 1.0
            for c in range(n_combos):
                placed[c] = val[c] * fill[route[c]]
                total[c] += placed[c]
            _route_sums(placed, k_starts, k_groups, by_k)
            for k in range(k_count):
                left = room_left[k] - by_k[k]
                room_left[k] = left if left >= 0.0 else 0.0
            for c in range(n_combos):
                placed[c] = val[c] - placed[c]
            _padded_into(placed, pg_members, by_pg)
            more = False
            for c in range(n_combos):
                wanted[c] = by_pg[pos[c]]
                more = more or wanted[c] != 0.0
            if not more:
                break
        for c in range(n_combos):
            values[r, c] = total[c]
            u = unit[c]
            shipped[r, c] = total[c] / (u if u >= EPS_K else EPS_K)
    return shipped, values


@kernel
def scatter_add_slots(pipeline: Array, due: Array, amount: Array) -> None:
    """``pipeline[due[r, i, g], r, i, g] += amount[r, i, g]`` for every replicate, actor and good."""
    r_count, n, g = amount.shape
    for r in range(r_count):
        for i in range(n):
            for k in range(g):
                pipeline[due[r, i, k], r, i, k] += amount[r, i, k]


@kernel
def splitmix_uniform(keys: Array, first: int, n: int) -> Array:
    """Uniforms in (0, 1), (R, n): SplitMix64 of ``keys[r] + (first + i) * gamma`` (wrapping uint64),
    top 53 bits, plus one half, over 2**53 (exactly what ``Streams.uniform`` computed with numpy)."""
    r_count = len(keys)
    out = np.empty((r_count, n))
    gamma = np.uint64(0x9E3779B97F4A7C15)
    m1 = np.uint64(0xBF58476D1CE4E5B9)
    m2 = np.uint64(0x94D049BB133111EB)
    s30, s27, s31, s11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
    scale = 1.0 / 9007199254740992.0
    for r in range(r_count):
        key = keys[r]
        for i in range(n):
            x = key + np.uint64(first + i) * gamma
            x = (x ^ (x >> s30)) * m1
            x = (x ^ (x >> s27)) * m2
            x = x ^ (x >> s31)
            out[r, i] = (float(x >> s11) + 0.5) * scale
    return out


@kernel
def padded_group_sum(values: Array, members: Array, scale: Array | None = None) -> Array:
    """Sum the columns of ``values`` (R, C) into groups of at most 8 columns given by ``members``
    (see :func:`padded_members`), (R, groups): ``GroupSum`` for small groups, the arithmetic of
    :func:`_padded_into` (a group's padding adds nothing, so its loop stops there); with ``scale``
    (C,), the columns of ``values * scale``."""
    r_count = values.shape[0]
    n_groups, width = members.shape
    out = np.empty((r_count, n_groups))
    for r in range(r_count):
        for k in range(n_groups):
            first = members[k, 0]
            if first < 0:
                out[r, k] = 0.0
                continue
            head = values[r, first] if scale is None else values[r, first] * scale[first]
            if width > 1 and members[k, 1] >= 0:
                tail = 0.0
                for j in range(1, width):
                    c = members[k, j]
                    if c < 0:
                        break
                    tail += values[r, c] if scale is None else values[r, c] * scale[c]
                head = head + tail
            out[r, k] = head
    return out


@kernel
def delivered_value(value: Array, delivered: Array, shipped: Array) -> Array:
    """``value * delivered / np.maximum(shipped, EPS)`` (R, C), in one pass without temporaries."""
    r_count, c_count = value.shape
    out = np.empty((r_count, c_count))
    for r in range(r_count):
        for c in range(c_count):
            s = shipped[r, c]
            out[r, c] = value[r, c] * delivered[r, c] / (s if s >= EPS_K or s != s else EPS_K)
    return out


@kernel
def market(
    w: Array,
    offer: Array,
    want: Array,
    value: Array,
    under_contract: Array,
    q: Array,
    requested: Array,
) -> None:
    """The open market's deals, added to ``q`` and ``requested`` (R, N, N, G) in place: the arithmetic
    of ``Market.step`` fused, replicate by replicate (sums over sellers and buyers in sequence, as
    numpy reduces a middle axis).

    Args:
        w: Willingness of seller i to trade with buyer j, (R, N, N).
        offer: What each actor offers, (R, N, G).
        want: What each actor wants, (R, N, G).
        value: Each actor's valuation, (R, N, G).
        under_contract: Goods a pair moves only under a contract, (N, N, G).
        q: Agreed quantities [seller, buyer, good], added to.
        requested: What each buyer asked of each seller, added to.
    """
    r_count, n, g_count = offer.shape
    to_buyers = np.empty(n)
    from_sellers = np.empty(n)
    for r in range(r_count):
        for g in range(g_count):
            for i in range(n):  # seller i's offer is split over buyers j by w[i, j] * want[j]
                acc = w[r, i, 0] * want[r, 0, g]
                for j in range(1, n):
                    acc += w[r, i, j] * want[r, j, g]
                to_buyers[i] = acc
            for j in range(n):  # buyer j's want is split over sellers i by w[i, j] * offer[i]
                acc = w[r, 0, j] * offer[r, 0, g]
                for i in range(1, n):
                    acc += w[r, i, j] * offer[r, i, g]
                from_sellers[j] = acc
            for i in range(n):
                for j in range(n):
                    wij = w[r, i, j]
                    s = to_buyers[i]
                    from_seller = offer[r, i, g] * (wij * want[r, j, g]) / (s if s >= EPS_K else EPS_K)
                    d = from_sellers[j]
                    asked = want[r, j, g] * (wij * offer[r, i, g]) / (d if d >= EPS_K else EPS_K)
                    deal = from_seller if from_seller <= asked else asked
                    deal = deal * wij * (1.0 if value[r, j, g] > value[r, i, g] else 0.0)
                    deal = deal * (0.0 if under_contract[i, j, g] else 1.0)
                    q[r, i, j, g] += deal
                    requested[r, i, j, g] += asked


@kernel
def legality(
    q: Array, sanctioned_mask: Array, legal_share: Array, tolerance: Array, value: Array, loss: Array
) -> tuple[Array, Array]:
    """Split agreed quantities (R, N, N, G) into legal and sanctioned deals: the arithmetic of
    ``Legality.step`` fused (legal = q - sanctioned part + part allowed under a cap; sanctioned =
    the rest times the smaller risk tolerance times ``clip(1 - loss / margin, 0, 1)``).

    Args:
        q: Agreed quantities [seller, buyer, good].
        sanctioned_mask: 1 where an active regime sanctions the flow.
        legal_share: Share of a sanctioned flow a cap lets move legally.
        tolerance: Each actor's risk tolerance, (R, N).
        value: Each actor's valuation, (R, N, G).
        loss: Expected cost share of the flow on its sender's routes.

    Returns:
        Legal and sanctioned quantities, each (R, N, N, G).
    """
    r_count, n, _, g_count = q.shape
    legal = np.empty_like(q)
    sanctioned = np.empty_like(q)
    for r in range(r_count):
        for i in range(n):
            for j in range(n):
                ti, tj = tolerance[r, i], tolerance[r, j]
                accept = ti if ti <= tj else tj
                for g in range(g_count):
                    qq = q[r, i, j, g]
                    qs = qq * sanctioned_mask[r, i, j, g]
                    allowed = qs * legal_share[r, i, j, g]
                    legal[r, i, j, g] = qq - qs + allowed
                    vb = value[r, j, g]
                    margin = 1.0 - value[r, i, g] / (vb if vb >= EPS_K else EPS_K)
                    deterred = 1.0 - loss[r, i, j, g] / (margin if margin >= EPS_K else EPS_K)
                    deterred = 0.0 if deterred < 0.0 else (1.0 if deterred > 1.0 else deterred)
                    sanctioned[r, i, j, g] = (qs - allowed) * accept * deterred
    return legal, sanctioned


@kernel
def last_axis_sum(rows: Array) -> Array:
    """``rows.sum(axis=1)`` for a C-contiguous (M, n) array, row by row as numpy reduces a contiguous
    axis (the pairwise sum of the row, from zero), without numpy's cost per row of a short axis."""
    m, n = rows.shape
    out = np.zeros(m)
    flat = rows.ravel()
    for i in range(m):
        if n <= 128:
            out[i] = block_sum(flat, i * n, n)
        else:
            out[i] = pairwise_sum(flat, i * n, n)
    return out


@kernel
def interdict(
    shipped: Array,
    value: Array,
    delivered: Array,
    interdicted: Array,
    detected_value: Array,
    cols: Array,
    route: Array,
    seized: Array,
    lots: Array,
    p: Array,
    z: Array,
) -> None:
    """Split what a route set's combos shipped into delivered and interdicted, in place: the
    arithmetic of ``channels.interdict`` (the interdicted share of each shipment) fused, replicate by
    replicate.

    Each combo ``c`` (column ``cols[c]`` of the month's flows, on route ``route[c]``) loses the share
    ``clip(m + sqrt(m (1 - m) / lots) z, 0, 1)`` of its shipment, with ``m`` the route's seized share;
    the value detected is the shipped value times the route's detection probability.

    Args:
        shipped: Quantities shipped, (R, C) (read).
        value: Values shipped, (R, C) (read).
        delivered: Quantities delivered, (R, C), added to.
        interdicted: Quantities interdicted, (R, C), added to.
        detected_value: Values detected, (R, C), added to.
        cols: The route set's columns, (Cs,).
        route: Each combo's route, (Cs,).
        seized: Seized share per route, (R, K).
        lots: Lots per route, (R, K).
        p: Detection probability per route, (R, K).
        z: Each combo's standard normal, (R, Cs).
    """
    r_count = shipped.shape[0]
    for r in range(r_count):
        for i in range(len(cols)):
            c, k = cols[i], route[i]
            mk = seized[r, k]
            frac = mk + np.sqrt(mk * (1.0 - mk) / lots[r, k]) * z[r, i]
            if frac < 0.0:
                frac = 0.0
            elif frac > 1.0:
                frac = 1.0
            q = shipped[r, c]
            lost = q * frac
            interdicted[r, c] += lost
            delivered[r, c] += q - lost
            detected_value[r, c] += value[r, c] * p[r, k]


@kernel
def ship_open(legal: Array, price: Array, pg: Array, shipped: Array, delivered: Array, value: Array) -> None:
    """Put legal deals on the open route, in place: for each open combo ``c`` (the first ``len(pg)``
    columns of the month's flows), the legal quantity of its pair-good ``pg[c]`` is shipped and
    delivered, and its value is that quantity times the deal's price.

    Args:
        legal: Legal quantities over pair-goods, (R, N*N*G).
        price: Deal prices over pair-goods, (R, N*N*G).
        pg: Each open combo's pair-good, (C_open,).
        shipped: Quantities shipped, (R, C), written.
        delivered: Quantities delivered, (R, C), written.
        value: Values shipped, (R, C), written.
    """
    for r in range(legal.shape[0]):
        for c in range(len(pg)):
            q = legal[r, pg[c]]
            shipped[r, c] = q
            delivered[r, c] = q
            value[r, c] = q * price[r, pg[c]]


@kernel
def recorded_value(delivered: Array, unit_value: Array, good: Array, reported: Array, goods: Array) -> Array:
    """``delivered * unit_value[:, good] * reported * goods`` (R, C), in one pass (what customs
    record of each flow: see ``Movement.recorded_value``)."""
    r_count, c_count = delivered.shape
    out = np.empty((r_count, c_count))
    for r in range(r_count):
        for c in range(c_count):
            out[r, c] = delivered[r, c] * unit_value[r, good[c]] * reported[c] * goods[c]
    return out


@kernel
def mean_route_loss(
    weights: Array,
    open_: Array,
    loss_k: Array,
    src: Array,
    route: Array,
    pg_members: Array,
    pgs: Array,
    size: int,
) -> Array:
    """Each sanctioned flow's expected loss, weighted over its sender's open routes, (R, size): the
    arithmetic of ``Legality.expected_loss`` fused, replicate by replicate; 1 where no open route
    carries the flow.

    Args:
        weights: Each sender's route weights, (R, N, K).
        open_: 1 where a route has capacity, (R, K).
        loss_k: Expected cost share per route, (R, K).
        src: Each combo's sender, (Cs,).
        route: Each combo's route, (Cs,).
        pg_members: Each pair-good's combos (see :func:`padded_members`).
        pgs: The pair-goods' columns of the output, (U,).
        size: Columns of the output (every pair-good).
    """
    r_count = weights.shape[0]
    n_combos = len(route)
    out = np.ones((r_count, size))
    w = np.empty(n_combos)
    wl = np.empty(n_combos)
    total = np.empty(len(pgs))
    loss = np.empty(len(pgs))
    for r in range(r_count):
        for c in range(n_combos):
            k = route[c]
            w[c] = weights[r, src[c], k] * open_[r, k]
            wl[c] = w[c] * loss_k[r, k]
        _padded_into(w, pg_members, total)
        _padded_into(wl, pg_members, loss)
        for u in range(len(pgs)):
            t = total[u]
            if t > 0:
                out[r, pgs[u]] = loss[u] / (t if t >= EPS_K or t != t else EPS_K)
    return out
