"""Small counts on public outputs: below k hidden, and never recoverable by subtraction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mapping.publish.disclosure import GRAND, TOTAL, audit, suppress_small_counts


def _table(rows: dict[str, list[int]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=["복지", "환경", "안전"])


def test_counts_below_k_are_hidden_and_others_shown() -> None:
    table = suppress_small_counts(_table({"Z01": [12, 7, 0], "Z02": [3, 9, 6], "Z03": [8, 6, 10]}))
    published = table.published()
    assert published.loc["Z02", "복지"] is None  # 3 < 5
    assert published.loc["Z01", "복지"] == 12 and published.loc["Z01", "안전"] == 0  # a zero is not a small count
    assert published.loc[GRAND, TOTAL] == 61


def test_a_hidden_cell_cannot_be_had_from_its_row_total() -> None:
    """The subtraction attack: Z02's total minus its visible cells must not give its hidden 3."""
    table = suppress_small_counts(_table({"Z01": [12, 7, 0], "Z02": [3, 9, 6], "Z03": [8, 6, 10]}))
    published = table.published()
    row = published.loc["Z02"]
    hidden = [c for c in row.index if row[c] is None]
    assert len(hidden) >= 2, "a row hiding one cell gives it away through the row total"
    column = published["복지"]
    assert sum(v is None for v in column) >= 2, "nor through the column total"
    low, high = audit(table)[("Z02", "복지")]
    assert high - low >= 1  # whatever is published, 3 is one of several possible values


def test_a_small_row_total_is_itself_hidden() -> None:
    published = suppress_small_counts(_table({"Z01": [2, 0, 1], "Z02": [10, 9, 6], "Z03": [8, 6, 10]})).published()
    assert published.loc["Z01", TOTAL] is None


@pytest.mark.parametrize("seed", range(40))
def test_no_hidden_count_is_ever_disclosed(seed: int) -> None:
    """Random tables, the strong check: linear programming over everything published."""
    rng = np.random.default_rng(seed)
    rows, mean = int(rng.integers(1, 9)), float(rng.uniform(0.3, 8))
    counts = pd.DataFrame(rng.poisson(mean, size=(rows, 6)), index=[f"Z{i:02d}" for i in range(rows)])
    table = suppress_small_counts(counts)
    true = table.counts.to_numpy()
    small = (true > 0) & (true < 5)
    assert table.hidden.to_numpy()[small].all(), "a count below k is shown"
    for (r, c), (low, high) in audit(table).items():
        assert high - low >= 1, f"hidden {r}/{c} is pinned to {low}"


@pytest.mark.parametrize("k", [0, 1, 2])
def test_k_below_three_is_refused(k: int) -> None:
    with pytest.raises(ValueError, match="3 이상"):
        suppress_small_counts(_table({"Z01": [1, 1, 1]}), k=k)


def test_k_three_shows_fours() -> None:
    published = suppress_small_counts(_table({"Z01": [4, 9, 6], "Z02": [7, 8, 9]}), k=3).published()
    assert published.loc["Z01", "복지"] == 4
