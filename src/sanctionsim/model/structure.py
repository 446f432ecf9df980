"""Static structure of a scenario: indices, masks and the list of possible flows.

Flows are indexed by *combos* ``(src, dst, good, route)``. Route 0 is ``open``
(recorded, legal trade, no capacity limit, no interdiction); the scenario's
routes follow. A combo exists for every pair and good on the open route and
for every pair and good a scenario route may carry.
"""

from __future__ import annotations

import numpy as np

from sanctionsim.goods import CASH, GOOD_INDEX, GOOD_NAMES, GOODS
from sanctionsim.model import kernels
from sanctionsim.scenario.schema import ScenarioConfig

OPEN = "open"


def rowsum(x: np.ndarray) -> np.ndarray:
    """Sum each row as ``np.add.reduceat(x, [0], axis=1)`` does: unlike ``x.sum(axis=1)``, the same
    whatever the number of rows."""
    return kernels.select_sum(np.asarray(x, dtype=np.float64), np.arange(x.shape[1]))


def lastsum(x: np.ndarray) -> np.ndarray:
    """``x.sum(axis=-1)``, the same numbers (numpy's pairwise order), without numpy's cost per row
    when the last axis is short (goods, actors)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.size == 0:
        return x.sum(axis=-1)
    return kernels.last_axis_sum(x.reshape(-1, x.shape[-1])).reshape(x.shape[:-1])


def colsum(x: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """``rowsum(x[:, columns])`` without the copy: the sum of the given columns of each row, (R,)."""
    return kernels.select_sum(np.asarray(x, dtype=np.float64), columns)


def columns(mask: np.ndarray) -> slice | np.ndarray:
    """The columns a boolean mask selects: a slice when they are contiguous (indexing with it gives a
    view, not a copy), else their indices."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return slice(0, 0)
    if idx[-1] - idx[0] + 1 == len(idx):
        return slice(int(idx[0]), int(idx[-1]) + 1)
    return idx


class GroupSum:
    """Sum columns of an (R, C) array into groups, the same way whatever R is.

    Matrix products would do the same job, but BLAS picks kernels by shape, so a
    replicate's numbers could depend on how many replicates run beside it.

    Args:
        index: Group of each column, shape (C,).
        size: Number of groups.
    """

    def __init__(self, index: np.ndarray, size: int) -> None:
        order = np.argsort(index, kind="stable")
        groups, starts = np.unique(index[order], return_index=True)
        self.sorted = np.array_equal(order, np.arange(len(order)))
        self.order = order.astype(np.int64)  # columns in group order (compiled kernels take it always)
        self.groups, self.starts, self.size = groups.astype(np.int64), starts.astype(np.int64), size
        widest = int(np.diff(np.r_[starts, len(index)]).max()) if len(index) else 0
        # groups of at most 8 columns: a compiled loop without branches (numpy's order: in sequence)
        self.members = kernels.padded_members(index, size) if 0 < widest <= 8 else None

    def __call__(self, values: np.ndarray, scale: np.ndarray | None = None) -> np.ndarray:
        """Sum the columns of ``values`` (R, C) into groups, (R, size); with ``scale`` (C,), the
        columns of ``values * scale`` (the same numbers, without the product's temporary)."""
        values = np.asarray(values, dtype=np.float64)
        if scale is not None:
            scale = np.asarray(scale, dtype=np.float64)
        if self.members is not None:
            return kernels.padded_group_sum(values, self.members, scale)
        if self.sorted and scale is None and values.flags.c_contiguous:
            return kernels.sorted_group_sum(values, self.starts, self.groups, self.size)
        return kernels.group_sum(values, self.order, self.starts, self.groups, self.size, scale)


class RouteSet:
    """The sanctioned combos of one kind (physical goods or cash), with their index arithmetic.

    Args:
        structure: The structure whose combos to take.
        cash: Take cash combos (payment channels) or physical ones.
    """

    def __init__(self, structure: Structure, *, cash: bool) -> None:
        s = structure
        self.sel = (s.combo_route > 0) & (s.combo_is_cash == cash)
        self.cols = columns(self.sel)  # the same columns, as a slice where contiguous
        self.col_index = np.flatnonzero(self.sel)  # and as indices (for compiled kernels)
        self.src = s.combo_src[self.sel]
        self.pg = s.combo_pg[self.sel]
        self.route = s.combo_route[self.sel]
        self.good = s.combo_good[self.sel]
        self.pgs, self.pos = np.unique(self.pg, return_inverse=True)  # distinct pair-goods, and each combo's
        self.routes = np.unique(self.route)
        self.by_route = GroupSum(self.route, s.k)
        if not self.by_route.sorted:
            raise ValueError("a route set's combos must be sorted by route")  # the structure builds them so
        self.by_pgs = GroupSum(self.pos, len(self.pgs))
        self.pg_members = kernels.padded_members(self.pos, len(self.pgs))  # each pair-good's combos
        # interdiction draws: each route reads one normal per good it can carry, concatenated in
        # route order; z_col is each combo's column in that concatenation
        offsets, column = {}, 0
        for kk in self.routes:
            offsets[int(kk)] = column
            column += len(s.route_goods[kk])
        self.z_col = np.array(
            [
                offsets[int(kk)] + int(np.searchsorted(s.route_goods[kk], g))
                for kk, g in zip(self.route, self.good, strict=True)
            ],
            dtype=np.int64,
        )


class Structure:
    """Index arithmetic shared by the submodels.

    Args:
        config: The validated scenario.
    """

    def __init__(self, *, config: ScenarioConfig) -> None:
        self.codes = list(config.actors)
        n, g = len(self.codes), len(GOOD_NAMES)
        self.n, self.g = n, g
        self.routes = [OPEN, *config.routes]
        k = len(self.routes)
        self.k = k
        self.is_cash = np.array([False] + [r.cash for r in config.routes.values()])
        self.via = np.array([-1] + [self.codes.index(r.via) if r.via else -1 for r in config.routes.values()])
        self.enforceable = np.arange(k) > 0
        # eligibility of sanctioned flows: elig[k, i, j, g]
        elig = np.zeros((k, n, n, g), dtype=bool)
        for kk, route in enumerate(config.routes.values(), start=1):
            goods = [GOOD_INDEX[x] for x in route.goods] or (
                [CASH] if route.cash else [i for i in range(g) if i != CASH]
            )
            if route.cash:
                goods = [CASH]
            pairs = route.pairs or [(a, b) for a in self.codes for b in self.codes if a != b]
            for a, b in pairs:
                ia, ib = self.codes.index(a), self.codes.index(b)
                for gg in goods:
                    elig[kk, ia, ib, gg] = True
                    elig[kk, ib, ia, gg] = True
        self.elig = elig.reshape(k, n * n * g)
        self.route_goods = [np.flatnonzero(elig[kk].any(axis=(0, 1))) for kk in range(k)]
        # flow combos
        pg_open = [(i * n + j) * g + gg for i in range(n) for j in range(n) if i != j for gg in range(g)]
        combos = [(pg, 0) for pg in pg_open]
        for kk in range(1, k):
            combos += [(int(pg), kk) for pg in np.flatnonzero(self.elig[kk])]
        self.combo_pg = np.array([c[0] for c in combos], dtype=np.int64)
        self.combo_route = np.array([c[1] for c in combos], dtype=np.int64)
        self.combo_src = self.combo_pg // (n * g)
        self.combo_dst = (self.combo_pg // g) % n
        self.combo_good = self.combo_pg % g
        self.n_open = len(pg_open)
        # group sums over combos
        self.by_route = GroupSum(self.combo_route, k)
        self.by_src = GroupSum(self.combo_src * g + self.combo_good, n * g)
        self.by_dst = GroupSum(self.combo_dst * g + self.combo_good, n * g)
        self.by_pair = GroupSum(self.combo_src * n + self.combo_dst, n * n)
        self.by_pair_good = GroupSum(self.combo_pg, n * n * g)  # sum over routes: (R, C) -> (R, N*N*G)
        self.combo_is_cash = self.combo_good == CASH
        self.sanctioned_cols = columns(self.combo_route > 0)  # combos on the scenario's routes
        self.open_cash_cols = columns(self.combo_is_cash & (self.combo_route == 0))
        self.goods_routes = RouteSet(self, cash=False)
        self.cash_routes = RouteSet(self, cash=True)
        # share of open trade that customs statistics record (config.reporting, default 1)
        reported = np.ones((n, n))
        for key, share in config.reporting.items():
            ia, ib = (self.codes.index(x) for x in key.split("-"))
            reported[ia, ib] = reported[ib, ia] = share
        self.combo_reported = np.where(self.combo_route == 0, reported[self.combo_src, self.combo_dst], 0.0)
        # sanctions regimes
        self.regimes = list(config.sanctions)
        self.regime_mask = np.zeros((len(self.regimes), n, n, g), dtype=bool)
        self.regime_capped = np.zeros((len(self.regimes), n, g), dtype=bool)  # (regime, target, good)
        self.regime_targets = np.zeros((len(self.regimes), n), dtype=bool)
        for r_i, (_, regime) in enumerate(config.sanctions.items()):
            for tcode in regime.targets:
                t = self.codes.index(tcode)
                self.regime_targets[r_i, t] = True
                for gname in regime.goods:
                    gg = GOOD_INDEX[gname]
                    self.regime_mask[r_i, t, :, gg] = True
                    self.regime_mask[r_i, :, t, gg] = True
                for gname in regime.caps:
                    self.regime_capped[r_i, t, GOOD_INDEX[gname]] = True
        for i in range(n):
            self.regime_mask[:, i, i, :] = False
        self.enforcers = np.array(
            [i for i, c in enumerate(self.codes) if config.actors[c].enforcer], dtype=np.int64
        )
        self.war_actor = self.codes.index(config.war.actor)
        self.compliance_actor = self.codes.index(config.compliance.actor)
        self.partners = tuple(self.codes.index(c) for c in config.compliance.partners)
        self.pair_i, self.pair_j = np.triu_indices(n, k=1)
        self.personnel = np.array([good.personnel for good in GOODS])
        # contracts: who supplies and buys, the supplier's goods and the buyer's in-kind payment goods
        contracts = list(config.contracts.values())
        self.contract_supplier = np.array([self.codes.index(c.supplier) for c in contracts], dtype=np.int64)
        self.contract_buyer = np.array([self.codes.index(c.buyer) for c in contracts], dtype=np.int64)
        self.contract_goods = np.zeros((len(contracts), g), dtype=bool)
        self.contract_in_kind = np.zeros((len(contracts), g), dtype=bool)
        # under_contract[i, j, g]: good g moves from i to j only under a contract (not on the market)
        self.under_contract = np.zeros((n, n, g), dtype=bool)
        for ci, c in enumerate(contracts):
            self.contract_goods[ci, [GOOD_INDEX[x] for x in c.goods]] = True
            self.contract_in_kind[ci, [GOOD_INDEX[x] for x in c.payment if x != "cash"]] = True
            a, b = self.contract_supplier[ci], self.contract_buyer[ci]
            self.under_contract[a, b] |= self.contract_goods[ci]
            self.under_contract[b, a] |= self.contract_in_kind[ci]
        # deployments of people
        deployments = list(config.deployments.values())
        self.deploy_sender = np.array([self.codes.index(d.sender) for d in deployments], dtype=np.int64)
        self.deploy_host = np.array([self.codes.index(d.host) for d in deployments], dtype=np.int64)
        self.deploy_good = np.array([GOOD_INDEX[d.good] for d in deployments], dtype=np.int64)
        # the contract that pays for each deployment's people (-1: none)
        self.deploy_contract = np.array(
            [
                next(
                    (
                        ci
                        for ci, c in enumerate(contracts)
                        if (c.supplier, c.buyer) == (d.sender, d.host) and d.good in c.goods
                    ),
                    -1,
                )
                for d in deployments
            ],
            dtype=np.int64,
        )
        self.physical = np.arange(g) != CASH
