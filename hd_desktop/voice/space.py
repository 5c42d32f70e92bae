"""The voice space: standardised voice vectors of real items, reduced by PCA (docs/design.md 1.1).

Units: one unit along an axis is one standard deviation of the real items along that axis.
A voice vector is [mean coded envelope c1..c(D-1) over voiced frames, mean log F0].
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hd_desktop.voice.render import CARRIERS, Carrier, apply_voice
from hd_desktop.voice.world import WorldSettings

UNITS = "one unit = one standard deviation of the real voices along that axis"
CACHE_SCHEMA = 1


@dataclass(frozen=True)
class SpaceSettings:
    world: WorldSettings = field(default_factory=WorldSettings)
    dims: int = 2
    sustained_s: float = 1.0

    def to_dict(self) -> dict:
        return {"world": self.world.to_dict(), "dims": self.dims, "sustained_s": self.sustained_s}

    @classmethod
    def from_dict(cls, d: dict) -> "SpaceSettings":
        return cls(world=WorldSettings(**d["world"]), dims=d["dims"], sustained_s=d["sustained_s"])


@dataclass(frozen=True)
class Pca:
    """Standardisation + principal axes; `axis_sd` rescales scores to voice-space units."""

    mean: np.ndarray
    scale: np.ndarray
    components: np.ndarray       # k x d, unit rows
    axis_sd: np.ndarray          # k
    explained: np.ndarray        # k, fraction of the standardised variance

    @classmethod
    def fit(cls, vectors: np.ndarray, k: int) -> "Pca":
        mean, scale = vectors.mean(0), vectors.std(0)
        scale = np.where(scale > 0, scale, 1.0)
        centred = (vectors - mean) / scale
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        comps = vt[:k]
        # A stable sign: the largest loading of each axis is positive, so maps never flip.
        comps = comps * np.sign(comps[np.arange(k), np.abs(comps).argmax(1)])[:, None]
        scores = centred @ comps.T
        var = s**2
        return cls(mean, scale, comps, scores.std(0), var[:k] / var.sum())

    def to_coords(self, vectors: np.ndarray) -> np.ndarray:
        return ((np.asarray(vectors) - self.mean) / self.scale) @ self.components.T / self.axis_sd

    def to_vector(self, z) -> np.ndarray:
        return (np.asarray(z, dtype=float) * self.axis_sd) @ self.components * self.scale + self.mean


@dataclass(frozen=True)
class VoiceSpace:
    settings: SpaceSettings
    fingerprint: str
    items: tuple[str, ...]
    speakers: tuple[str, ...]
    vectors: np.ndarray          # n x d voice vectors of the real items
    pca: Pca
    carriers: dict[str, Carrier]
    problems: tuple[str, ...] = ()   # files skipped or changed at build time, each naming the file

    @property
    def coords(self) -> np.ndarray:
        """The real items in voice-space units (n x k)."""
        return self.pca.to_coords(self.vectors)

    @property
    def dims(self) -> int:
        return self.settings.dims

    @property
    def sample_rate(self) -> int:
        return self.settings.world.sample_rate

    def render(self, z, carrier: str = "sustained") -> tuple[np.ndarray, int]:
        """The voice at `z` as float32 mono audio at `sample_rate`; the same z gives the same samples."""
        if carrier not in CARRIERS:
            raise ValueError(f"unknown carrier {carrier!r}; choose one of {', '.join(CARRIERS)}")
        z = np.asarray(z, dtype=float).reshape(-1)
        if z.shape != (self.dims,):
            raise ValueError(f"a point of this space has {self.dims} coordinates, got {z.shape[0]}")
        if not np.isfinite(z).all():  # NaN would render silence, inf noise: neither is a voice
            raise ValueError(f"a point of this space has finite coordinates, got {z.tolist()}")
        v = self.pca.to_vector(z)
        audio = apply_voice(self.carriers[carrier], v[:-1], float(v[-1]), self.settings.world)
        return audio, self.sample_rate

    def info(self) -> dict:
        return {
            "fingerprint": self.fingerprint,
            "speakers": sorted(set(self.speakers)),
            "n_speakers": len(set(self.speakers)),
            "n_items": len(self.items),
            "dims": self.dims,
            "explained_variance": [float(e) for e in self.pca.explained],
            "units": UNITS,
            "settings": self.settings.to_dict(),
            "problems": list(self.problems),
        }

    # -- the cache: one .npz per fingerprint, exact float64 so renders stay bit-identical --------

    def save(self, path: Path) -> None:
        arrays = {"vectors": self.vectors}
        arrays.update({f"pca_{k}": getattr(self.pca, k) for k in Pca.__dataclass_fields__})
        for name, c in self.carriers.items():
            arrays.update({f"{name}_{k}": np.asarray(getattr(c, k)) for k in Carrier.__dataclass_fields__})
        meta = {"schema": CACHE_SCHEMA, "fingerprint": self.fingerprint, "items": self.items,
                "speakers": self.speakers, "settings": self.settings.to_dict(),
                "problems": self.problems}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")  # two writers never share one
        np.savez(tmp, meta=np.array(json.dumps(meta)), **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "VoiceSpace":
        """Read a cache file; any damage (truncated, bit flips, wrong shapes, NaN) raises a
        ValueError naming the file, so the caller rebuilds it instead of trusting it."""
        try:
            space = cls._read(path)
        except (ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
            if str(exc).startswith(f"{path}:"):
                raise
            raise ValueError(f"{path}: damaged voice-space cache ({type(exc).__name__}: {exc})"
                             ) from None
        space._check(path)
        return space

    @classmethod
    def _read(cls, path: Path) -> "VoiceSpace":
        with np.load(path, allow_pickle=False) as f:
            meta = json.loads(str(f["meta"]))
            if meta.get("schema") != CACHE_SCHEMA:
                raise ValueError(f"{path}: voice-space cache schema {meta.get('schema')} is not "
                                 f"{CACHE_SCHEMA}")
            pca = Pca(**{k: f[f"pca_{k}"] for k in Pca.__dataclass_fields__})
            carriers = {}
            for name in CARRIERS:
                fields = {k: f[f"{name}_{k}"] for k in Carrier.__dataclass_fields__}
                fields["log_f0_mean"] = float(fields["log_f0_mean"])
                carriers[name] = Carrier(**fields)
            return cls(settings=SpaceSettings.from_dict(meta["settings"]),
                       fingerprint=meta["fingerprint"], items=tuple(meta["items"]),
                       speakers=tuple(meta["speakers"]), vectors=f["vectors"], pca=pca,
                       carriers=carriers, problems=tuple(meta["problems"]))

    def _check(self, path: Path) -> None:
        """Shapes that fit together and finite numbers (the zip's CRCs catch flipped bits)."""
        n, k, p = len(self.items), self.dims, self.pca
        d = self.vectors.shape[1] if self.vectors.ndim == 2 else -1
        shapes = {"vectors": (self.vectors.shape, (n, d)), "components": (p.components.shape, (k, d)),
                  "mean": (p.mean.shape, (d,)), "scale": (p.scale.shape, (d,)),
                  "axis_sd": (p.axis_sd.shape, (k,)), "explained": (p.explained.shape, (k,))}
        wrong = [name for name, (got, want) in shapes.items() if got != want]
        if k < 1 or n <= k or len(self.speakers) != n or wrong:
            raise ValueError(f"{path}: damaged voice-space cache (inconsistent "
                             f"{', '.join(wrong) or 'items or dims'})")
        arrays = [self.vectors, p.mean, p.scale, p.components, p.axis_sd]
        arrays += [np.asarray(getattr(c, f)) for c in self.carriers.values()
                   for f in Carrier.__dataclass_fields__]
        if not all(np.all(np.isfinite(a)) for a in arrays) or not np.all(p.axis_sd > 0):
            raise ValueError(f"{path}: damaged voice-space cache (NaN, infinite or zero values)")
