"""A GP classifier of every vote: D-hat and grad D-hat anywhere, for the score network to learn.

Every voted stimulus is an observation of D at its own point. Between and beyond the votes a
neural network trained on them alone extrapolates freely, and in 4 dimensions it puts
acceptance where no listener would (benchmarks/efficiency.py). A Gaussian-process prior says
what a researcher assumes instead: acceptance changes smoothly over about one SD of the voice
space, and far from every vote a voice is "not natural". The settings are fixed, in SD units,
not learned per listener: hyperparameters fitted by marginal likelihood to a few hundred single
votes were what made a GP classifier lose to the engine (benchmarks/efficiency.py).

The model (Rasmussen & Williams 2006, ch. 3, with a low-rank prior):
    f ~ GP(mean, outputscale * exp(-|z - z'|^2 / (2 lengthscale^2)))
    P(natural | z) = g + (1 - 2g) Phi(f(z))      (g: the lapse floor, lapses answer at random)
    D(z) = Phi(f(z))                              (acceptance without lapses, docs/design.md 1.4)
The prior goes through m inducing points (the DTC / subset-of-regressors approximation,
f = mean + Phi v, v ~ N(0, I)); the posterior of v is Laplace's, found by Newton steps with a
halving line search (Fisher scoring's where the objective's curvature is not positive definite:
the floored likelihood is not log-concave). D-hat(z) = E[Phi(f(z))] = Phi(mu / sqrt(1 + var));
its gradient comes from autograd. The engine hands the network Phi(a mu / sqrt(1 + c var))
instead, the link (a, c) chosen by the latest round's votes (link_by_votes): past a hard edge
the mean stays too high where the votes are few. The one GP setting learned from the votes is
g: the floor of highest Laplace evidence on a grid (FLOORS, walked upwards until the evidence
fell twice in a row). Every vote tells of it, where the far voices alone (about 25 in 1000
votes) often show none and put it at 0 - and then
every lapse is a bump of D-hat.

Below g a vote cannot tell D = 0.01 from 0, so where every vote said "not natural" D-hat stays
at the prior's own Phi(mean / sqrt(1 + outputscale)); with many votes spread wide that level
holds much of the mass of p* ∝ D-hat (README, Vote efficiency), which is why the engine's
default uses loss=gp only from 4 dimensions on, where votes stay sparse longer.

gpytorch has no Laplace inference for classification, and its variational fit is a stochastic
optimisation of hundreds of steps; with the hyperparameters fixed, the Laplace posterior is a
dozen linear solves of size m.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

_cdf = torch.special.ndtr  # Phi, the standard normal distribution function


def _pdf(x: torch.Tensor) -> torch.Tensor:
    return torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


@dataclass(frozen=True)
class GPSettings:
    """The GP's fixed settings, in SDs of the voice space."""

    lengthscale: float = 1.0
    outputscale: float = 2.0
    mean: float = -4.0      # probit of the prior acceptance: Phi(-4 / sqrt(1 + 2)) = 0.01
    inducing: int = 500
    jitter: float = 1e-6


def vote_terms(f: torch.Tensor, accepts: torch.Tensor, votes: torch.Tensor, floor: float):
    """Log-likelihood of a accepts out of n at latent f, its gradient in f and the Fisher weight.

    P = g + (1 - 2g) Phi(f); ll = sum a log P + (n - a) log(1 - P);
    d ll / df = (1 - 2g) phi(f) (a / P - (n - a) / (1 - P)); W = n ((1 - 2g) phi)^2 / (P (1 - P)).
    """
    p = floor + (1 - 2 * floor) * _cdf(f)
    p = p.clamp(1e-12, 1 - 1e-12)
    dp = (1 - 2 * floor) * _pdf(f)
    ll = (accepts * torch.log(p) + (votes - accepts) * torch.log1p(-p)).sum()
    grad = dp * (accepts / p - (votes - accepts) / (1 - p))
    w = votes * dp * dp / (p * (1 - p))
    return ll, grad, w


class GPSmoother:
    """The posterior of f given (z, accepts, votes) per voted stimulus; `predict` gives D-hat.

    `floor`: the lapse floor g, or None for the one of highest evidence among FLOORS up to
    `floor_max`. A broad, soft region accepted by a fifth of the voices looks to the evidence
    like lapses (a wide Gaussian lobe in 4-D: g = 0.2); docs/engine.md.
    """

    def __init__(self, z, accepts, votes, *, floor: float | None = None, floor_max: float = 1.0,
                 settings: GPSettings = GPSettings(), seed: int = 0, iterations: int = 100):
        z = np.asarray(z, dtype=np.float64)
        self.settings = settings
        self.inducing = torch.as_tensor(_inducing_points(z, settings.inducing, seed))
        m = len(self.inducing)
        kmm = self._kernel(self.inducing, self.inducing) + settings.jitter * torch.eye(m, dtype=torch.float64)
        self._chol_m = torch.linalg.cholesky(kmm)
        phi = self._features(torch.as_tensor(z))
        a = torch.as_tensor(np.asarray(accepts, dtype=np.float64))
        n = torch.as_tensor(np.asarray(votes, dtype=np.float64))
        mean = torch.full((len(z),), settings.mean, dtype=torch.float64)
        phi32 = phi.to(torch.float32)   # the steps' precision matrices (not the posterior's)
        start = None
        self.steps = {}
        if floor is None:  # the floor of highest evidence: every vote tells of it
            fits, falls, last = {}, 0, -math.inf
            # roughly (the evidence to a nat or so), each from the last, in rising order; none
            # above floor_max, none past two falls of the evidence in a row
            for g in [g for g in FLOORS if g <= floor_max] or FLOORS[:1]:
                fits[g] = _laplace(phi, a, n, mean, g, 20, start, tolerance=1e-2, newton=False,
                                   phi32=phi32)
                falls = falls + 1 if fits[g][3] < last else 0
                start, last = fits[g][0], fits[g][3]
                self.steps[g] = fits[g][2]
                if falls == 2:
                    break
            self.evidence = {g: fit[3] for g, fit in fits.items()}
            floor = max(self.evidence, key=self.evidence.get)
            start = fits[floor][0]
        self.floor = float(floor)
        self._votes = (phi, a, n)   # for loo_latent
        self.link = (1.0, 1.0)  # (steepness, var_weight) of the D-hat the engine used (rounds.py)
        self.v, self._chol_h, self.iterations, self.log_evidence = _laplace(
            phi, a, n, mean, self.floor, iterations, start, phi32=phi32)

    def _kernel(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        s = self.settings
        return torch.exp(-torch.cdist(a, b).square() / (2 * s.lengthscale ** 2))

    def _features(self, z: torch.Tensor) -> torch.Tensor:
        """phi(z) = sqrt(outputscale) K_zm L_m^-T: the prior of f(z) - mean is phi(z) v."""
        k_zm = self._kernel(z, self.inducing) if len(self.inducing) else z.new_zeros(len(z), 0)
        return math.sqrt(self.settings.outputscale) * torch.linalg.solve_triangular(
            self._chol_m, k_zm.T, upper=False).T

    def latent(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean and variance of f(z) (float64 tensors; differentiable in z)."""
        phi = self._features(z)
        mu = self.settings.mean + phi @ self.v
        t = torch.linalg.solve_triangular(self._chol_h, phi.T, upper=False)
        var = self.settings.outputscale - phi.square().sum(1) + t.square().sum(0)
        return mu, var.clamp_min(1e-12)

    def exceeds(self, z, level: float) -> np.ndarray:
        """P(D(z) > level) under the posterior of f, at the rows of z: Phi((mu - Phi^-1(level)) / sd)."""
        with torch.no_grad():
            mu, var = self.latent(torch.as_tensor(np.asarray(z, dtype=np.float64)))
            q = torch.special.ndtri(torch.tensor(float(level), dtype=torch.float64))
            return _cdf((mu - q) / var.sqrt()).numpy()

    def predict(self, z, *, chunk: int = 4096, median: bool = False, var_weight: float = 1.0,
                steepness: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """D-hat(z) = E[Phi(f(z))] and its gradient in z, at the rows of z.

        With `median`, D-hat(z) = Phi(mu(z)), the posterior median of D(z) instead of its mean:
        where the posterior of f is wide (between and beyond the votes) the mean is pulled
        towards 1/2, the median is not. In general D-hat(z) = Phi(a mu / sqrt(1 + c var)), a
        the `steepness` of the link, c the `var_weight`: the mean at (1, 1), the median at
        (1, 0); a > 1 sharpens every edge, a < 1 softens it.
        """
        a, c = float(steepness), 0.0 if median else float(var_weight)
        z = np.asarray(z, dtype=np.float64)
        d, grad = np.empty(len(z)), np.empty_like(z)
        for i in range(0, len(z), chunk):
            zi = torch.as_tensor(z[i:i + chunk]).requires_grad_(True)
            mu, var = self.latent(zi)
            di = _cdf(a * mu / torch.sqrt(1 + c * var))
            (gi,) = torch.autograd.grad(di.sum(), zi)
            d[i:i + chunk], grad[i:i + chunk] = di.detach().numpy(), gi.numpy()
        return d, grad

    def vote_loglik(self, z, accepts, votes, links, shifts=(0.0,)) -> dict[tuple[float, float], float]:
        """Log-likelihood of (accepts out of votes at z) under D-hat with each link (steepness,
        var_weight) and this smoother's floor: how well each foretells votes it was not fitted to.
        With `shifts`, each link's best over D-hat's latent moved by each shift (Phi(. + b)): how
        well its shape foretells them, whatever their level."""
        with torch.no_grad():
            mu, var = self.latent(torch.as_tensor(np.asarray(z, dtype=np.float64)))
        return _link_loglik(mu, var, torch.as_tensor(np.asarray(accepts, dtype=np.float64)),
                            torch.as_tensor(np.asarray(votes, dtype=np.float64)), self.floor,
                            links, shifts)

    def loo_latent(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Mean and variance of f at each voted stimulus under the posterior without its own
        votes: the Laplace posterior with that stimulus's Gaussian site taken out (its cavity;
        Vehtari et al. 2016, "Bayesian leave-one-out cross-validation approximations for
        Gaussian latent variable models", LA-LOO). No fit again: one pass over the votes held.
        """
        phi, accepts, votes = self._votes
        s = self.settings
        with torch.no_grad():
            f = s.mean + phi @ self.v
            _, grad, w = vote_terms(f, accepts, votes, self.floor)
            # the model's own posterior variance of f at each stimulus, and the prior's
            # residual there (the low-rank prior leaves outputscale - |phi|^2 out of f)
            model = torch.linalg.solve_triangular(self._chol_h, phi.T, upper=False).square().sum(0)
            residual = (s.outputscale - phi.square().sum(1)).clamp_min(0.0)
            # the cavity: the posterior's precision less the site's W, the site's pull taken back
            # (W model < 1: the posterior's precision at a stimulus is at least its own W)
            cavity = model / (1 - w * model).clamp_min(1e-9)
            return f - cavity * grad, cavity + residual

    def loo_loglik(self, links, shifts=(0.0,)) -> dict[tuple[float, float], float]:
        """Log-likelihood of every vote under D-hat with each link (steepness, var_weight), each
        voted stimulus foretold without its own votes (loo_latent); with `shifts`, each link's
        best over D-hat's latent moved by each shift: how well its shape foretells them,
        whatever their level.

        Unlike the latest round's votes (link_by_votes), these are not only where the previous
        D-hat sent the samples, so a D-hat too high there does not make a narrower link win by
        its level; but one vote among hundreds hardly moves the posterior, so they favour the
        median (c = 0), which the Laplace mode fits, on soft shapes too (docs/engine.md)."""
        _, accepts, votes = self._votes
        mu, var = self.loo_latent()
        return _link_loglik(mu, var, accepts, votes, self.floor, links, shifts)


def _link_loglik(mu, var, accepts, votes, floor: float, links, shifts) -> dict[tuple[float, float], float]:
    """Log-likelihood of (accepts out of votes) with the latent f ~ N(mu, var) under each link
    (a, c) of D-hat = Phi(a mu / sqrt(1 + c var)), each link's best over the latent moved by
    each of `shifts` (GPSmoother.vote_loglik, loo_loglik)."""
    out = {}
    for a, c in links:
        # vote_terms takes the latent of P = g + (1 - 2g) Phi(.): here a mu / sqrt(1 + c var)
        f = a * mu / torch.sqrt(1 + c * var)
        out[(float(a), float(c))] = max(float(vote_terms(f + b, accepts, votes, floor)[0])
                                        for b in shifts)
    return out


FLOORS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.2)
# the links `link_by_votes` chooses from, the first of each (1: the posterior mean) the default
STEEPNESS = (1.0, 0.75, 1.25, 1.5, 2.0, 3.0)
VAR_WEIGHTS = (1.0, 2.0, 0.5, 0.25, 0.0)
# log-likelihood (nats) another link must gain over the default to be chosen: AIC's price of
# the two numbers it fits; on the tuning half's soft shapes the best link beat the mean by
# 0.2-2.1 nats, past its hard edges by 3-11, but on the built-in arc and two lobes by 2.1-4.9,
# and the links chosen there narrow the samples (docs/benchmarks.md)
LINK_MARGIN = 2.0
# the shifts of D-hat's latent over which `shape_margin` compares links: up to 4, in 0.05s
SHIFTS = tuple(np.round(np.arange(-4.0, 4.0001, 0.05), 2))


def link_by_votes(z, accepts, votes, held, *, floor: float, settings: GPSettings = GPSettings(),
                  seed: int = 0, steepness=STEEPNESS, var_weights=VAR_WEIGHTS,
                  margin: float = LINK_MARGIN, shape_margin: float | None = None):
    """The link (steepness a, var_weight c) whose D-hat, fitted without the `held` votes,
    foretells them best: Platt's calibration of a classifier on votes it did not see.

    With `held` the latest round's votes, these were cast where the previous update's samples
    went, so they tell whether D-hat was right where the samples go next: past a hard edge the
    votes say "not natural" more often than the posterior mean foretells (a steeper link, or
    the median, does better), on a soft slope they do not (docs/engine.md). The first link
    (steepness[0], var_weights[0]) stays unless another foretells the held votes better by more
    than `margin` nats. Returns ((a, c), log-likelihood by (a, c)); (that first link, {}) when
    nothing or everything is held: nothing to foretell.

    `shape_margin` (None: not asked): another link is chosen only if, besides, the best link
    foretells the held votes better than the first by more than this many nats when each may
    shift D-hat's level (SHIFTS). On soft shapes the held votes were accepted less often than
    the mean foretold, and most of a narrower link's gain was that level; past a hard edge the
    gain is the edge's shape (docs/engine.md).
    """
    held = np.asarray(held, dtype=bool)
    first = (float(steepness[0]), float(var_weights[0]))
    if not held.any() or held.all():
        return first, {}
    z, accepts, votes = (np.asarray(x, dtype=np.float64) for x in (z, accepts, votes))
    gp = GPSmoother(z[~held], accepts[~held], votes[~held], floor=floor, settings=settings, seed=seed)
    links = [(float(a), float(c)) for a in steepness for c in var_weights]
    ll = gp.vote_loglik(z[held], accepts[held], votes[held], links)
    best = max(ll, key=ll.get)
    if ll[best] <= ll[first] + margin:
        return first, ll
    if shape_margin is not None:
        shaped = gp.vote_loglik(z[held], accepts[held], votes[held], links, shifts=SHIFTS)
        if max(shaped.values()) <= shaped[first] + shape_margin:
            return first, ll
    return best, ll


def _inducing_points(z: np.ndarray, m: int, seed: int) -> np.ndarray:
    """Every voted point when there are at most m, else a seeded draw of m of them.

    A draw follows the density of the votes, so the prior is richest where listeners were
    asked most; k-means centres did no better and cost a second at 3000 votes.
    """
    if len(z) <= m:
        return z.copy()
    return z[np.sort(np.random.default_rng(seed).choice(len(z), m, replace=False))]


def _laplace(phi, accepts, votes, mean: torch.Tensor, floor: float, iterations: int, start=None, *,
             tolerance: float = 1e-7, newton: bool = True, phi32=None):
    """Mode of log p(votes | mean + phi v) - |v|^2 / 2 by Newton steps with a halving line search.

    Returns (v, chol H, iterations, log evidence). H = I + phi' W phi at the mode is the Laplace
    posterior precision of v (W the Fisher weights); the evidence is Laplace's, log p(votes | v)
    - |v|^2 / 2 - log det(H) / 2 (binomial coefficients left out: they do not depend on the
    model). The first step linearises at f = 0, not at the prior mean: far below 0 the floored
    likelihood is flat.

    A step solves with the objective's own curvature, I + phi' (-d2 ll / df2) phi, where that is
    positive definite (always near a mode), else with Fisher's, I + phi' W phi (`newton` False:
    always Fisher's). Fisher scoring alone creeps along the votes no curve explains well (lapses
    at the floor, where the likelihood is not log-concave): 90 steps where Newton's take 10.
    The step's matrix is formed in float32 when `phi32` (phi in float32) is given: it only sets
    the step, not where the steps stop (the gradient is float64), nor the posterior's H.
    """
    m = phi.shape[1]
    eye = torch.eye(m, dtype=torch.float64)

    def precision(weights):  # I + phi' diag(weights) phi
        if phi32 is None:
            return eye + phi.T @ (weights[:, None] * phi)
        return eye + (phi32.T @ (weights.to(torch.float32)[:, None] * phi32)).to(torch.float64)

    if start is None:
        v = torch.zeros(m, dtype=torch.float64)
        f = torch.zeros(len(votes), dtype=torch.float64)
        best = -math.inf
    else:  # from another floor's mode: a few steps instead of dozens
        v, f = start, mean + phi @ start
        best = float(vote_terms(f, accepts, votes, floor)[0] - 0.5 * v @ v)
    it = 0
    for it in range(1, iterations + 1):
        _, grad, w = vote_terms(f, accepts, votes, floor)
        if it == 1 and start is None:  # to the mode of the model linearised at f = 0
            chol = torch.linalg.cholesky(precision(w))
            direction = torch.cholesky_solve((phi.T @ (w * (f - mean) + grad))[:, None],
                                             chol)[:, 0] - v
        else:
            info = 1
            if newton:
                chol, info = torch.linalg.cholesky_ex(precision(_curvature(f, accepts, votes, floor)))
            if info:
                chol = torch.linalg.cholesky(precision(w))
            direction = torch.cholesky_solve((phi.T @ grad - v)[:, None], chol)[:, 0]
        step = 1.0
        for _ in range(30):  # halve the step until the objective does not fall
            v_try = v + step * direction
            f_try = mean + phi @ v_try
            objective = float(vote_terms(f_try, accepts, votes, floor)[0] - 0.5 * v_try @ v_try)
            if objective >= best - 1e-9:
                break
            step /= 2
        v, f = v_try, f_try
        converged = objective - best < tolerance
        best = max(best, objective)
        if converged:
            break
    ll, _, w = vote_terms(f, accepts, votes, floor)
    chol = torch.linalg.cholesky(eye + phi.T @ (w[:, None] * phi))
    evidence = float(ll - 0.5 * v @ v - torch.log(torch.diagonal(chol)).sum())
    return v, chol, it, evidence


def _curvature(f: torch.Tensor, accepts: torch.Tensor, votes: torch.Tensor, floor: float):
    """-d2 ll / df2 per voted stimulus (vote_terms' ll): negative where ll is not concave in f.

    With P = g + (1 - 2g) Phi(f), P' = (1 - 2g) phi(f), P'' = -f P':
    -d2 ll / df2 = P'^2 (a / P^2 + (n - a) / (1 - P)^2) + f P' (a / P - (n - a) / (1 - P)).
    """
    p = (floor + (1 - 2 * floor) * _cdf(f)).clamp(1e-12, 1 - 1e-12)
    dp = (1 - 2 * floor) * _pdf(f)
    rest = votes - accepts
    return dp * dp * (accepts / p ** 2 + rest / (1 - p) ** 2) + f * dp * (accepts / p - rest / (1 - p))
