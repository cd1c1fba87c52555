"""Small counts on public outputs: suppress every count below k and enough others that none can be recovered.

A published table is the cells plus their row totals, column totals and the
grand total.  Every count ``0 < n < k`` is hidden (primary suppression);
then, until nothing changes, every row and every column (totals included)
that hides exactly one entry hides one more — the smallest visible one — so
no hidden value is a published total minus published cells (complementary
suppression, as Washington State and Korea's de-identification guideline
describe).  :func:`audit` checks the result the strong way: for each hidden
cell it solves two linear programmes for the smallest and largest value
consistent with everything published; a cell whose range is a single number
is disclosed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_K = 5
MIN_K = 3
TOTAL = "계"
GRAND = "합계"
HIDDEN = "*"  # what a reader sees in place of a hidden count
NOTE = "* {k}건 미만이거나, 빼기로 되짚을 수 없도록 함께 가린 값입니다."


@dataclass(frozen=True, eq=False)
class SuppressedTable:
    """Counts with margins, and which of them are hidden.

    ``counts`` holds every true count, a ``계`` column and a ``합계`` row;
    ``hidden`` is a boolean frame of the same shape.  Only :meth:`published`
    may reach a public output.
    """

    counts: pd.DataFrame
    hidden: pd.DataFrame
    k: int

    def published(self) -> pd.DataFrame:
        """The table as the public sees it: hidden counts are None (shown as ``*``)."""
        return self.counts.astype(object).where(~self.hidden, None)

    @property
    def note(self) -> str:
        """The footnote every public table with hidden counts carries."""
        return NOTE.format(k=self.k)


def check_k(k: int) -> int:
    """``k`` if it is allowed (at least :data:`MIN_K`).

    Raises
    ------
    ValueError
        For a k below 3: counts of 1 or 2 would be published.
    """
    if int(k) < MIN_K:
        raise ValueError(f"k={k}는 너무 작습니다. {MIN_K} 이상이어야 합니다 (기본 {DEFAULT_K}).")
    return int(k)


def suppress_small_counts(table: pd.DataFrame, *, k: int = DEFAULT_K) -> SuppressedTable:
    """Hide counts below ``k`` and the complementary cells that would give them away.

    Parameters
    ----------
    table : DataFrame
        Non-negative integer counts (rows: zones or tongs; columns: fields), without totals.
    k : int
        The threshold (default 5, never below 3).

    Returns
    -------
    SuppressedTable
    """
    k = check_k(k)
    cells = table.fillna(0).astype(int)
    if (cells.to_numpy() < 0).any():
        raise ValueError("건수에 음수가 있습니다.")
    full = cells.copy()
    full[TOTAL] = cells.sum(axis=1)
    full.loc[GRAND] = full.sum(axis=0)
    values = full.to_numpy()
    hidden = (values > 0) & (values < k)
    while True:
        _complete_lines(values, hidden)
        disclosed = [rc for rc, (low, high) in _ranges(values, hidden).items() if high - low < 1]
        if not disclosed:  # the rare pattern the line rule misses: hide one more beside each disclosed cell
            break
        for r, c in disclosed:
            _hide_smallest(
                values, hidden, [(r, j) for j in range(values.shape[1])] + [(i, c) for i in range(values.shape[0])]
            )
    return SuppressedTable(full, pd.DataFrame(hidden, index=full.index, columns=full.columns), k)


def _complete_lines(values: np.ndarray, hidden: np.ndarray) -> None:
    """Until nothing changes: a row or column hiding exactly one entry hides its smallest visible one too."""
    changed = True
    while changed:
        changed = False
        for line in _lines(values.shape):
            if sum(hidden[r, c] for r, c in line) == 1:
                changed |= _hide_smallest(values, hidden, line)


def _hide_smallest(values: np.ndarray, hidden: np.ndarray, line: list[tuple[int, int]]) -> bool:
    visible = [(values[r, c] == 0, values[r, c], r, c) for r, c in line if not hidden[r, c]]
    if not visible:
        return False
    *_, r, c = min(visible)  # the smallest non-zero count, a zero only when nothing else is left
    hidden[r, c] = True
    return True


def _lines(shape: tuple[int, int]) -> list[list[tuple[int, int]]]:
    """Each row and each column of the table with margins: the sets of entries one total ties together."""
    rows, cols = shape
    return [[(r, c) for c in range(cols)] for r in range(rows)] + [[(r, c) for r in range(rows)] for c in range(cols)]


def audit(table: SuppressedTable) -> dict[tuple[str, str], tuple[float, float]]:
    """The range each hidden count could take given what is published (linear programming).

    Returns
    -------
    dict
        ``(row, column) → (lowest, highest)`` for every hidden entry.  An entry whose range is one
        number is disclosed; a small count whose range stays below ``k`` is narrowed down too much.
    """
    ranges = _ranges(table.counts.to_numpy(dtype=float), table.hidden.to_numpy())
    return {(str(table.counts.index[r]), str(table.counts.columns[c])): v for (r, c), v in ranges.items()}


def _ranges(values: np.ndarray, hidden: np.ndarray) -> dict[tuple[int, int], tuple[float, float]]:
    from scipy.optimize import linprog

    rows, cols = values.shape
    unknowns = [(r, c) for r in range(rows) for c in range(cols) if hidden[r, c]]
    index = {rc: i for i, rc in enumerate(unknowns)}
    a_eq: list[np.ndarray] = []
    b_eq: list[float] = []
    for r in range(rows):  # each row: its cells add up to its total (the last column)
        _equation([(r, c, 1.0) for c in range(cols - 1)] + [(r, cols - 1, -1.0)], values, index, a_eq, b_eq)
    for c in range(cols):  # each column: its cells add up to the 합계 row
        _equation([(r, c, 1.0) for r in range(rows - 1)] + [(rows - 1, c, -1.0)], values, index, a_eq, b_eq)
    out = {}
    for rc, i in index.items():
        goal = np.zeros(len(unknowns))
        goal[i] = 1.0
        options = {"A_eq": a_eq or None, "b_eq": b_eq or None, "bounds": [(0, None)] * len(unknowns), "method": "highs"}
        low, high = linprog(goal, **options), linprog(-goal, **options)
        top = -high.fun if high.status == 0 else float("inf")  # status 3: unbounded above
        out[rc] = (round(float(low.fun), 6), round(float(top), 6))
    return out


def _equation(
    terms: list[tuple[int, int, float]],
    values: np.ndarray,
    index: dict[tuple[int, int], int],
    a_eq: list[np.ndarray],
    b_eq: list[float],
) -> None:
    row = np.zeros(len(index))
    constant = 0.0
    for r, c, sign in terms:
        if (r, c) in index:
            row[index[(r, c)]] += sign
        else:
            constant += sign * values[r, c]
    if row.any():
        a_eq.append(row)
        b_eq.append(-constant)
