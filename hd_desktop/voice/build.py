"""Building (or loading from its cache) the voice space of a corpus, as a generator of progress.

    space = run(open_space(corpus_dir, cache_dir))      # headless
    worker = open_space(...)                             # the GUI iterates it on a worker thread

Every `yield` is a progress report and a point where the consumer may stop (cancel).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Generator
from pathlib import Path

import numpy as np
import soundfile as sf

from hd_desktop.errors import BadInputError
from hd_desktop.progress import Progress
from hd_desktop.progress import drive as run  # noqa: F401 - voice.run drives a build
from hd_desktop.paths import BUNDLED_CARRIERS, BUNDLED_CORPUS
from hd_desktop.voice.corpus import Problem, discover, file_digest, load_mono, odd_entries
from hd_desktop.voice.render import Carrier, sustained_carrier
from hd_desktop.voice.space import SpaceSettings, VoiceSpace, Pca
from hd_desktop.voice.world import analyse

ANALYSIS_VERSION = 2          # bump when analysis or rendering changes what a point sounds like
MIN_VOICED_FRAMES = 20        # 100 ms of voicing: fewer gives no stable mean envelope
SENTENCE_CARRIER = BUNDLED_CARRIERS / "arctic_a0007.flac"



def fingerprint(corpus_dir: Path, settings: SpaceSettings, sentence: Path = SENTENCE_CARRIER) -> str:
    """sha256 over the analysis version, the settings and every file's content."""
    h = hashlib.sha256(json.dumps({"analysis": ANALYSIS_VERSION, **settings.to_dict()},
                                  sort_keys=True).encode())
    for f in discover(corpus_dir):
        h.update(f"{f.item}\0{file_digest(f.path)}\n".encode())
    h.update(f"sentence\0{file_digest(sentence)}".encode())
    return h.hexdigest()


def voice_vector(analysis) -> np.ndarray:
    """[mean coded envelope c1.. over voiced frames, mean log F0] (docs/design.md 1.1; c0 is recording level)."""
    v = analysis.voiced
    return np.concatenate([analysis.coded[v, 1:].mean(0), [np.log(analysis.f0[v]).mean()]])


def open_space(corpus_dir: Path | None = None, cache_dir: Path | None = None,
               settings: SpaceSettings = SpaceSettings(), shared_dir: Path | None = None
               ) -> Generator[Progress, None, VoiceSpace]:
    """The space of `corpus_dir` (bundled corpus by default): from the cache when its fingerprint matches.

    `cache_dir` is the experiment's own copy; `shared_dir` (paths.shared_cache_dir(), for the
    app and the commands) holds the spaces this machine has built for any experiment, so a new
    experiment on a corpus already analysed opens at once. Either file is used only when its
    fingerprint and settings match; a damaged one is built again, never trusted.
    """
    corpus_dir = Path(corpus_dir or BUNDLED_CORPUS)
    yield Progress(0.0, f"Checking {corpus_dir}")
    fp = fingerprint(corpus_dir, settings)
    name = f"space-{fp[:16]}.npz"
    cached = Path(cache_dir) / name if cache_dir else None
    shared = Path(shared_dir) / name if shared_dir else None
    for where, path in (("cache", cached), ("this machine's cache", shared)):
        if path is None or not path.exists():
            continue
        try:
            space = VoiceSpace.load(path)
        except (ValueError, OSError) as exc:  # a damaged copy is replaced, never trusted
            yield Progress(0.0, f"Not using {exc}; it will be replaced")
            continue
        if space.fingerprint == fp and space.settings == settings:
            if path is shared:
                yield from _keep(space, cached)
            yield Progress(1.0, f"Voice space loaded from {where}")
            return space
    space = yield from build_space(corpus_dir, settings, fp)
    for path in (cached, shared):
        yield from _keep(space, path)
    return space


def _keep(space: VoiceSpace, path: Path | None) -> Generator[Progress, None, None]:
    """Save `space` to a cache file; one that cannot be written only makes the next start slower."""
    if path is None:
        return
    try:
        space.save(path)
    except OSError as exc:
        yield Progress(1.0, f"Voice space ready; its cache {path} could not be written "
                            f"({exc.strerror or exc})")


def build_space(corpus_dir: Path, settings: SpaceSettings, fp: str) -> Generator[Progress, None, VoiceSpace]:
    world = settings.world
    files = discover(corpus_dir)
    problems: list[Problem] = odd_entries(corpus_dir)
    kept, vectors, analyses = [], [], []
    min_samples = int(world.sample_rate * world.frame_period_ms / 1000) * 2
    for i, f in enumerate(files):
        yield Progress(0.9 * i / max(len(files), 1), f"Analysing {f.item}")
        try:
            x, notice = load_mono(f.path, world.sample_rate, min_samples)
            a = analyse(x, world)
            if a.voiced.sum() < MIN_VOICED_FRAMES:
                raise ValueError(f"has only {a.voiced.sum()} voiced frames; at least "
                                 f"{MIN_VOICED_FRAMES} ({MIN_VOICED_FRAMES * world.frame_period_ms:.0f} "
                                 "ms of voiced speech) are needed")
        except ValueError as exc:
            problems.append(Problem(str(f.path), str(exc)))
            continue
        if notice:
            problems.append(notice)
        kept.append((f, x))
        analyses.append(a)
        vectors.append(voice_vector(a))
    if len(kept) < settings.dims + 1 or len({f.speaker for f, _ in kept}) < 2:
        listing = "; ".join(str(p) for p in problems) or "no audio files found"
        raise BadInputError(f"corpus {corpus_dir}: only {len(kept)} usable items from "
                            f"{len({f.speaker for f, _ in kept})} speakers ({listing})")
    vectors = np.array(vectors)
    pca = Pca.fit(vectors, settings.dims)
    yield Progress(0.92, "Preparing the carriers")
    speakers = np.array([f.speaker for f, _ in kept])
    carriers = {
        "sustained": _sustained(kept, analyses, vectors, pca, speakers, settings),
        "sentence": _sentence(SENTENCE_CARRIER, settings),
    }
    yield Progress(1.0, f"Voice space built from {len(kept)} items of {len(set(speakers))} speakers")
    return VoiceSpace(settings=settings, fingerprint=fp, items=tuple(f.item for f, _ in kept),
                      speakers=tuple(speakers), vectors=vectors, pca=pca, carriers=carriers,
                      problems=tuple(str(p) for p in problems))


def _sustained(kept, analyses, vectors, pca, speakers, settings) -> Carrier:
    """One voiced frame of the most average speaker: the one whose mean voice is nearest the centre."""
    std = (vectors - pca.mean) / pca.scale
    names = sorted(set(speakers))
    centre = min(names, key=lambda s: np.linalg.norm(std[speakers == s].mean(0)))
    idx = min(np.flatnonzero(speakers == centre), key=lambda i: np.linalg.norm(std[i]))
    a = analyse(kept[idx][1], settings.world, aperiodicity=True)
    voiced = np.flatnonzero(a.voiced)
    # the voiced frame whose envelope is nearest the item's own mean envelope
    frame = voiced[np.argmin(np.linalg.norm(a.coded[voiced, 1:] - vectors[idx, :-1], axis=1))]
    return sustained_carrier(a.ap[frame], a.coded[frame], vectors[idx, -1],
                             settings.sustained_s, settings.world)


def _sentence(path: Path, settings: SpaceSettings) -> Carrier:
    """A real utterance with its own time structure (CMU ARCTIC by default)."""
    x, rate = sf.read(path, dtype="float64")
    if rate != settings.world.sample_rate:
        import soxr

        x = soxr.resample(x, rate, settings.world.sample_rate, quality="HQ")
    a = analyse(x, settings.world, aperiodicity=True)
    return Carrier(f0=a.f0, sp=a.sp, ap=a.ap, coded_mean=a.coded[a.voiced].mean(0),
                   log_f0_mean=float(np.log(a.f0[a.voiced]).mean()))


def load_space(corpus_dir: Path | None = None, cache_dir: Path | None = None, k: int = 2,
               progress: Callable[[Progress], None] | None = None,
               shared_dir: Path | None = None) -> VoiceSpace:
    """The voice space of a corpus with `k` dims, built or loaded from `cache_dir` (or `shared_dir`)."""
    return run(open_space(corpus_dir, cache_dir, SpaceSettings(dims=k), shared_dir), progress)
