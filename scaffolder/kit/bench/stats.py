"""The statistics benchmark numbers need so a small suite does not oversell a change.

Pass rates come with Wilson score intervals (sound at small n and near 0 or 1, unlike the
textbook normal interval). Two runs over the same cases are paired data: the significance of
a change is the exact McNemar test on the discordant cases (only flips carry information),
and the interval of the pass-rate difference is Newcombe's hybrid score interval for paired
proportions (Newcombe 1998, method 10), which uses the same Wilson limits.
"""

from __future__ import annotations

import math

Z95 = 1.959963984540054


def wilson(successes: int, total: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion; (0, 1) when there is no data."""
    if total <= 0:
        return (0.0, 1.0)
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


def mcnemar_exact(lost: int, gained: int) -> float:
    """Two-sided exact McNemar p-value from the discordant counts (pass->fail, fail->pass):
    the binomial test of `lost` out of `lost + gained` against one half."""
    n = lost + gained
    if n == 0:
        return 1.0
    k = min(lost, gained)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return float(min(1.0, 2 * tail))


def paired_difference_interval(
    both: int, lost: int, gained: int, neither: int, z: float = Z95
) -> tuple[float, float]:
    """Interval of (new pass rate - base pass rate) over paired cases.

    `both` passed in both runs, `lost` passed only in the base, `gained` only in the new one,
    `neither` in none.
    """
    n = both + lost + gained + neither
    if n == 0:
        return (-1.0, 1.0)
    base, new = (both + lost) / n, (both + gained) / n
    base_low, base_high = wilson(both + lost, n, z)
    new_low, new_high = wilson(both + gained, n, z)
    margins = (both + lost) * (gained + neither) * (both + gained) * (lost + neither)
    # Newcombe's correlation estimate, with his correction: a positive association is
    # reduced by n/2 (not below 0), so runs without any flip still get an interval.
    association: float = both * neither - lost * gained
    if association > 0:
        association = max(association - n / 2, 0.0)
    phi = association / math.sqrt(margins) if margins else 0.0
    difference = new - base
    below = (new - new_low) ** 2 - 2 * phi * (new - new_low) * (base_high - base)
    below += (base_high - base) ** 2
    above = (new_high - new) ** 2 - 2 * phi * (new_high - new) * (base - base_low)
    above += (base - base_low) ** 2
    low = difference - math.sqrt(max(below, 0.0))
    high = difference + math.sqrt(max(above, 0.0))
    return (max(-1.0, low), min(1.0, high))


def percentile(values: list[float], fraction: float) -> float:
    """Linear-interpolated percentile (`fraction` in [0, 1]); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
