"""The baseline a psychophysics lab would pick instead: a GP classifier of the votes (AEPsych's model).

AEPsych's `GPClassificationModel` is a variational GP with a probit Bernoulli likelihood, a
constant mean and a scaled RBF kernel with one lengthscale per axis (Gamma(3, 6) prior on the
unit cube), fitted to one vote per Sobol point of the parameter box. It is rebuilt here on
gpytorch, which AEPsych itself uses, because aepsych 0.8 pins numpy < 2 and old botorch, which
the app's environment cannot take beside pyworld. The stimuli are the Sobol points of a box
around the real voices (the real data's bounding box grown by `margin` SDs), each voted once.
The likelihood carries a lapse floor, as AEPsych's floored probit objectives do, but learned
from the votes: P(accept) = g + (1 - 2g) Phi(f), g in (0, 0.25). D-hat = E[Phi(f)] is then
free of lapses, and samples are drawn in proportion to it by weighted resampling of a dense
uniform draw of the box.

    from gp_baseline import gp_samples
    samples = gp_samples(listener, real, votes=500, seed=1)
"""

from __future__ import annotations

import gpytorch
import numpy as np
import torch
from gpytorch.distributions import MultivariateNormal
from gpytorch.kernels import RBFKernel, ScaleKernel
from gpytorch.likelihoods import _OneDimensionalLikelihood
from gpytorch.means import ConstantMean
from gpytorch.models import ApproximateGP
from gpytorch.priors import GammaPrior
from gpytorch.variational import CholeskyVariationalDistribution, VariationalStrategy


class GPClassifier(ApproximateGP):
    """Variational GP classifier on the unit cube with AEPsych's default priors."""

    def __init__(self, inducing: torch.Tensor):
        k = inducing.shape[1]
        strategy = VariationalStrategy(self, inducing, CholeskyVariationalDistribution(len(inducing)),
                                       learn_inducing_locations=False)
        super().__init__(strategy)
        self.mean = ConstantMean()
        self.covar = ScaleKernel(RBFKernel(ard_num_dims=k, lengthscale_prior=GammaPrior(3.0, 6.0)),
                                 outputscale_prior=GammaPrior(2.0, 0.15))

    def forward(self, x):
        return MultivariateNormal(self.mean(x), self.covar(x))


class LapseBernoulli(_OneDimensionalLikelihood):
    """P(accept | f) = g + (1 - 2g) Phi(f): coin-flip lapses at rate 2g, g learned."""

    def __init__(self):
        super().__init__()
        self.raw_floor = torch.nn.Parameter(torch.tensor(-2.0))

    @property
    def floor(self) -> torch.Tensor:
        return 0.25 * torch.sigmoid(self.raw_floor)

    def forward(self, function_samples, *args, **kwargs):
        p = torch.distributions.Normal(0.0, 1.0).cdf(function_samples)
        return torch.distributions.Bernoulli(probs=self.floor + (1 - 2 * self.floor) * p)


def box(real, margin: float) -> tuple[np.ndarray, np.ndarray]:
    real = np.asarray(real, dtype=np.float64)
    return real.min(axis=0) - margin, real.max(axis=0) + margin


def fit(x_unit: np.ndarray, y: np.ndarray, *, seed: int, iterations: int = 1500,
        inducing: int = 300) -> tuple[GPClassifier, LapseBernoulli]:
    """Maximise the ELBO with Adam; inducing points are a seeded subset of the stimuli."""
    torch.manual_seed(seed)
    x = torch.as_tensor(x_unit, dtype=torch.float32)
    t = torch.as_tensor(y, dtype=torch.float32)
    pick = np.random.default_rng(seed).choice(len(x), min(inducing, len(x)), replace=False)
    model, likelihood = GPClassifier(x[np.sort(pick)]), LapseBernoulli()
    model.train()
    likelihood.train()
    opt = torch.optim.Adam([*model.parameters(), *likelihood.parameters()], lr=0.05)
    mll = gpytorch.mlls.VariationalELBO(likelihood, model, num_data=len(t))
    for _ in range(iterations):
        opt.zero_grad()
        loss = -mll(model(x), t)
        loss.backward()
        opt.step()
    model.eval()
    likelihood.eval()
    return model, likelihood


def predict(model, x_unit: np.ndarray, batch: int = 20000) -> np.ndarray:
    """D-hat = E[Phi(f)] (no lapses) at points of the unit cube."""
    out = []
    with torch.no_grad(), gpytorch.settings.fast_pred_var():
        for i in range(0, len(x_unit), batch):
            f = model(torch.as_tensor(x_unit[i:i + batch], dtype=torch.float32))
            # E[Phi(f)] for f ~ N(m, v) is Phi(m / sqrt(1 + v))
            out.append(torch.distributions.Normal(0.0, 1.0).cdf(
                f.mean / torch.sqrt(1 + f.variance)).numpy())
    return np.concatenate(out).astype(np.float64)


def sobol(k: int, n: int, seed: int) -> np.ndarray:
    """n scrambled Sobol points of the unit cube (budgets that are not powers of 2: balance is
    approximate, which scipy warns about)."""
    import warnings

    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return qmc.Sobol(k, scramble=True, seed=seed).random(n)


def votes_at(listener, lo, hi, unit: np.ndarray, first: int = 0) -> np.ndarray:
    """One vote of `listener` at each point of the unit cube mapped into the box [lo, hi]."""
    heard = [type("Heard", (), {"z": tuple(lo + row * (hi - lo)), "id": f"gp{first + i}"})()
             for i, row in enumerate(unit)]
    return np.array([int(bool(listener.vote(h))) for h in heard])


def samples_of(model, lo, hi, *, seed: int, n_samples: int, n_grid: int) -> np.ndarray:
    """n_samples points ∝ the model's D-hat, by weighted resampling of a uniform draw of the box."""
    rng = np.random.default_rng(seed + 1)
    grid = rng.uniform(size=(n_grid, len(lo)))
    w = predict(model, grid)
    pick = rng.choice(n_grid, n_samples, p=w / w.sum())
    return lo + grid[pick] * (hi - lo)


def gp_samples(listener, real, votes: int, *, seed: int, n_samples: int = 1000,
               margin: float = 2.0, n_grid: int = 100_000) -> np.ndarray:
    """Sobol stimuli voted once each, a GP classifier with a lapse floor, and samples ∝ D-hat."""
    lo, hi = box(real, margin)
    unit = sobol(len(lo), votes, seed)
    model, _ = fit(unit, votes_at(listener, lo, hi, unit), seed=seed)
    return samples_of(model, lo, hi, seed=seed, n_samples=n_samples, n_grid=n_grid)


def bald(model, x_unit: np.ndarray, batch: int = 20000) -> np.ndarray:
    """Expected information a vote at each point gives about f (BALD; Houlsby et al. 2011).

    For a probit classifier with f ~ N(m, v): H[Phi(m / sqrt(1 + v))] minus the expected entropy
    of one vote, approximated as C / sqrt(v + C^2) exp(-m^2 / (2 (v + C^2))), C^2 = pi ln 2 / 2.
    AEPsych's BernoulliMCMutualInformation estimates the same quantity by Monte Carlo.
    """
    c2 = np.pi * np.log(2) / 2
    out = []
    with torch.no_grad(), gpytorch.settings.fast_pred_var():
        for i in range(0, len(x_unit), batch):
            f = model(torch.as_tensor(x_unit[i:i + batch], dtype=torch.float32))
            m, v = f.mean.double(), f.variance.double()
            p = torch.distributions.Normal(0.0, 1.0).cdf(m / torch.sqrt(1 + v)).clamp(1e-9, 1 - 1e-9)
            h = -(p * torch.log2(p) + (1 - p) * torch.log2(1 - p))
            expected = torch.sqrt(c2 / (v + c2)) * torch.exp(-m ** 2 / (2 * (v + c2)))
            out.append((h - expected).numpy())
    return np.concatenate(out)


def pick_batch(model, candidates: np.ndarray, n: int) -> np.ndarray:
    """n candidates of highest BALD, each pick damping its neighbours' scores by the kernel
    (a local penalty, so one batch does not pile onto a single point)."""
    score = np.clip(bald(model, candidates), 0.0, None)
    ell = model.covar.base_kernel.lengthscale.detach().double().numpy().reshape(-1)
    chosen = []
    for _ in range(min(n, len(candidates))):
        i = int(np.argmax(score))
        chosen.append(i)
        d2 = (((candidates - candidates[i]) / ell) ** 2).sum(axis=1)
        score = score * (1.0 - np.exp(-d2 / 2))
    return np.array(chosen)


def gp_al_samples(listener, real, votes: int, *, seed: int, n_samples: int = 1000,
                  margin: float = 2.0, n_grid: int = 100_000, first: int = 50,
                  batch: int = 50, candidates: int = 4000) -> np.ndarray:
    """AEPsych's active-learning loop: `first` Sobol stimuli, then batches of `batch` placed by
    BALD on the GP fitted to every vote so far; samples ∝ D-hat of the last fit."""
    lo, hi = box(real, margin)
    k = len(lo)
    unit = sobol(k, min(first, votes), seed)
    pool = sobol(k, candidates, seed + 7)
    y = votes_at(listener, lo, hi, unit)
    while len(unit) < votes:
        model, _ = fit(unit, y, seed=seed, iterations=600)
        # fresh candidates each batch (a shifted copy of the pool), so batches need not repeat
        shifted = (pool + np.random.default_rng([seed, len(unit)]).uniform(size=k)) % 1.0
        new = shifted[pick_batch(model, shifted, min(batch, votes - len(unit)))]
        unit, y = np.concatenate([unit, new]), np.concatenate([y, votes_at(listener, lo, hi, new,
                                                                           first=len(unit))])
    model, _ = fit(unit, y, seed=seed)
    return samples_of(model, lo, hi, seed=seed, n_samples=n_samples, n_grid=n_grid)
