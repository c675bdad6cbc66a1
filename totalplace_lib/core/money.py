"""Money arithmetic that must come out exact: shares of a total in whole pence.

The Total Place count shares regional and force-area totals among places in proportion to a *driver*
(population of some ages, need). Amounts are split in whole pence with the largest-remainder method, so
the places' shares always add back to the total exactly.
"""

from __future__ import annotations

import numpy as np


def split_pence(pence: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split each amount (whole pence, may be negative) over places in proportion to ``weights``.

    Parameters
    ----------
    pence : array of int, shape (n,)
        Amounts to share, in pence.
    weights : array of float, shape (m,)
        The driver for each place (e.g. persons); non-negative with a positive sum.

    Returns
    -------
    array of int, shape (n, m)
        Pence per amount and place; each row sums exactly to its amount (largest remainder: the pence
        left after rounding down go to the places with the largest fractional shares).

    Raises
    ------
    ValueError
        If a weight is negative or they sum to zero (nothing to share by).
    """
    pence = np.asarray(pence, dtype=np.int64)
    w = np.asarray(weights, dtype=float)
    if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
        raise ValueError(f"driver weights must be non-negative with a positive sum, got {w.tolist()}")
    share = w / w.sum()
    mag = np.abs(pence)
    raw = mag[:, None].astype(float) * share[None, :]
    base = np.floor(raw).astype(np.int64)
    left = mag - base.sum(axis=1)
    frac = raw - base
    order = np.argsort(-frac, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(w.size)[None, :].repeat(len(pence), axis=0), axis=1)
    base += (rank < left[:, None]).astype(np.int64)
    over = base.sum(axis=1) - mag  # float rounding can, very rarely, leave a penny over
    for i in np.nonzero(over)[0]:
        base[i, int(np.argmax(base[i]))] -= over[i]
    return base * np.sign(pence)[:, None]



def split_pence_rows(pence: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """:func:`split_pence` with each amount's own weights: ``weights`` has shape (n, m), one row per amount.

    Each row of the result sums exactly to its amount (largest remainder, as :func:`split_pence`).

    Raises
    ------
    ValueError
        If a weight is negative or a row's weights sum to zero.
    """
    pence = np.asarray(pence, dtype=np.int64)
    w = np.asarray(weights, dtype=float)
    total = w.sum(axis=1)
    if (w < 0).any() or not np.isfinite(w).all() or (total <= 0).any():
        raise ValueError("driver weights must be non-negative with a positive sum in every row")
    share = w / total[:, None]
    mag = np.abs(pence)
    raw = mag[:, None].astype(float) * share
    base = np.floor(raw).astype(np.int64)
    left = mag - base.sum(axis=1)
    order = np.argsort(-(raw - base), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(w.shape[1])[None, :].repeat(len(pence), axis=0), axis=1)
    base += (rank < left[:, None]).astype(np.int64)
    over = base.sum(axis=1) - mag
    for i in np.nonzero(over)[0]:
        base[i, int(np.argmax(base[i]))] -= over[i]
    return base * np.sign(pence)[:, None]
