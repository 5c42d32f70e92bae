"""The HumanDiffusion engine (no Qt): votes -> NES estimates -> score network -> Langevin samples.

estimates.py (docs/design.md 1.4), screening.py, network.py + training.py (1.5), sampler.py (1.6),
rounds.py (1.7), listeners.py + loading.py (section 4), metrics.py, mapplot.py, config.py.
Modules are imported one by one so that the light ones (listeners, screening) never load torch.
"""
