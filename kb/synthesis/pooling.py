"""Inverse-variance pooling on the log scale, with :func:`statsmodels.stats.meta_analysis.combine_effects`.

Fixed effect: ``sum(w_i y_i) / sum(w_i)`` with ``w_i = 1 / se_i^2``. Random effects: the same with
``w_i = 1 / (se_i^2 + tau^2)``, tau² by DerSimonian-Laird (``"dl"``) or Paule-Mandel (``"pm"``).
Confidence intervals are normal (z, 95%), as in metafor's ``rma`` default. Cochran's Q is tested on
k - 1 degrees of freedom; I² is ``(Q - df) / Q`` truncated at 0 (Higgins and Thompson 2002), from
statsmodels' Q (its own I² is left negative when Q < df, and unbounded when Q is a rounding error from 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from kb.synthesis.model import Heterogeneity, Pooled

__all__ = ["METHODS", "PoolResult", "pool"]

#: Random-effects estimators of tau²: name -> statsmodels' ``method_re``.
METHODS: dict[str, str] = {"dl": "dl", "pm": "pm"}
_Z = NormalDist().inv_cdf(0.975)


@dataclass(frozen=True)
class PoolResult:
    """Pooled fixed- and random-effects estimates, heterogeneity, and each input's relative weight (percent)."""

    fixed: Pooled
    random: Pooled
    heterogeneity: Heterogeneity
    weights_fixed: list[float]
    weights_random: list[float]


def _pooled(log_estimate: float, se: float, lower: float, upper: float) -> Pooled:
    z = log_estimate / se if se > 0 else math.inf
    p = 2 * (1 - NormalDist().cdf(abs(z))) if math.isfinite(z) else 0.0
    return Pooled(math.exp(log_estimate), math.exp(lower), math.exp(upper), log_estimate, se, z, p)


def pool(log_estimates: list[float], standard_errors: list[float], method: str = "dl") -> PoolResult:
    """Pool ``log_estimates`` (their standard errors ``standard_errors``) by inverse variance.

    One estimate is its own pool (Q = 0 on no degrees of freedom, tau² = 0, no I²).

    >>> result = pool([math.log(0.7), math.log(0.8)], [0.1, 0.2])
    >>> round(result.fixed.estimate, 4), [round(w, 1) for w in result.weights_fixed]
    (0.7189, [80.0, 20.0])

    :raises ValueError: for no estimates, a standard error that is not positive, or an unknown method.
    """
    if method not in METHODS:
        raise ValueError(f"unknown random-effects method {method!r}: use one of {', '.join(METHODS)}")
    if not log_estimates or len(log_estimates) != len(standard_errors):
        raise ValueError("pool needs one standard error per estimate, and at least one estimate")
    if any(not (se > 0 and math.isfinite(se)) for se in standard_errors):
        raise ValueError("every standard error must be positive and finite")
    if len(log_estimates) == 1:
        (y,), (se,) = log_estimates, standard_errors
        single = _pooled(y, se, y - _Z * se, y + _Z * se)
        return PoolResult(single, single, Heterogeneity(0.0, 0, None, 0.0, None, method), [100.0], [100.0])

    from statsmodels.stats.meta_analysis import combine_effects  # statsmodels is heavy: imported when pooling

    effects = np.asarray(log_estimates, dtype=float)
    variances = np.asarray(standard_errors, dtype=float) ** 2
    # Q = 0 (identical estimates) makes statsmodels divide 0 by 0 for I²; it is 0 then (below).
    with np.errstate(divide="ignore", invalid="ignore"):
        result = combine_effects(effects, variances, method_re=METHODS[method], use_t=False)
        (fixed_low, fixed_high), (random_low, random_high), *_ = result.conf_int(use_t=False)
        homogeneity = result.test_homogeneity()
    # statsmodels' Q can come out a rounding error below 0 (identical estimates: -1.8e-15), and its
    # I² = (Q - df) / Q then explodes; I² is read from Q and df, as 0 whenever Q <= df.
    q, df = max(0.0, float(result.q)), int(result.df_resid)
    heterogeneity = Heterogeneity(
        q=q, df=df, q_p_value=float(homogeneity.pvalue), tau2=max(0.0, float(result.tau2)),
        i2=100.0 * (q - df) / q if q > df else 0.0, method=method,
    )
    return PoolResult(
        fixed=_pooled(float(result.mean_effect_fe), float(result.sd_eff_w_fe), float(fixed_low), float(fixed_high)),
        random=_pooled(float(result.mean_effect_re), float(result.sd_eff_w_re), float(random_low), float(random_high)),
        heterogeneity=heterogeneity,
        weights_fixed=[100.0 * float(w) for w in result.weights_rel_fe],
        weights_random=[100.0 * float(w) for w in result.weights_rel_re],
    )
