"""The compiled kernels give numpy's numbers bit for bit, and a replicate's numbers whatever R is."""

from __future__ import annotations

import numpy as np
import pytest

from sanctionsim.constants import EPS
from sanctionsim.model import kernels
from sanctionsim.model.structure import GroupSum, colsum, lastsum, rowsum


@pytest.mark.parametrize("columns", [1, 3, 8, 9, 17, 130, 300])
def test_group_sums_equal_numpys_reduceat(columns: int) -> None:
    rng = np.random.default_rng(columns)
    x = rng.standard_normal((7, columns)) * 10 ** rng.uniform(-6, 6, (7, columns))
    index = rng.integers(0, max(1, columns // 5), columns)
    order = np.argsort(index, kind="stable")
    groups, starts = np.unique(index[order], return_index=True)
    expected = np.zeros((7, index.max() + 1))
    expected[:, groups] = np.add.reduceat(x[:, order], starts, axis=1)
    got = kernels.group_sum(x, order, starts.astype(np.int64), groups.astype(np.int64), index.max() + 1)
    assert np.array_equal(got, expected)
    assert np.array_equal(GroupSum(index, index.max() + 1)(x), expected)
    assert np.array_equal(rowsum(x), np.add.reduceat(x, [0], axis=1)[:, 0])
    cols = rng.permutation(columns)[: max(1, columns // 2)]
    assert np.array_equal(colsum(x, cols), np.add.reduceat(x[:, cols], [0], axis=1)[:, 0])


def test_padded_group_sums_equal_reduceat() -> None:
    rng = np.random.default_rng(1)
    index = rng.integers(0, 9, 40)
    members = kernels.padded_members(index, 9)
    x = rng.standard_normal((5, 40)) * 1e3
    expected = GroupSum(index, 9)(x)
    out = np.empty(9)
    for r in range(5):
        kernels.padded_sums(x[r], members, out)
        assert np.array_equal(out, expected[r])


def test_uniforms_do_not_depend_on_the_batch() -> None:
    keys = np.arange(1, 6, dtype=np.uint64) * np.uint64(0x1234567)
    many = kernels.splitmix_uniform(keys, 10, 6)
    for r in range(5):
        assert np.array_equal(kernels.splitmix_uniform(keys[r : r + 1], 10, 6)[0], many[r])
    assert ((many > 0) & (many < 1)).all()


@pytest.mark.parametrize(
    "shape", [(50, 4, 4, 4), (50, 4, 4, 11), (1, 4, 4, 11), (7, 9), (5, 17), (2, 200), (3, 0)]
)
def test_last_axis_sums_equal_numpys(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(len(shape) + shape[-1])
    x = rng.standard_normal(shape) * 10 ** rng.uniform(-6, 6, shape)
    assert np.array_equal(lastsum(x), x.sum(axis=-1))
    assert np.array_equal(lastsum(x[:1]), x[:1].sum(axis=-1))  # one replicate: the same numbers


@pytest.mark.parametrize("columns", [1, 9, 40, 194])
def test_weighted_group_sums_equal_numpys_product_then_sum(columns: int) -> None:
    rng = np.random.default_rng(columns)
    x = rng.standard_normal((6, columns)) * 10 ** rng.uniform(-6, 6, (6, columns))
    weight = rng.random(columns) < 0.6
    for index in (rng.integers(0, max(1, columns // 3), columns), np.sort(rng.integers(0, 4, columns))):
        by = GroupSum(index, int(index.max()) + 1)
        assert np.array_equal(by(x, weight), by(x * weight))
        assert np.array_equal(by(x[:1], weight), by(x * weight)[:1])  # one replicate: the same numbers


def test_delivered_value_equals_numpys() -> None:
    rng = np.random.default_rng(3)
    value, delivered = rng.random((5, 30)) * 1e6, rng.random((5, 30))
    shipped = np.where(rng.random((5, 30)) < 0.5, 0.0, rng.random((5, 30)))
    expected = value * delivered / np.maximum(shipped, EPS)
    assert np.array_equal(kernels.delivered_value(value, delivered, shipped), expected)
