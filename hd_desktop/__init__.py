"""hd-desktop: listening tests for HumanDiffusion (Ueda et al., Interspeech 2023)."""

__version__ = "0.2.0"
