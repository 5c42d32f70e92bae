"""A corpus with one file whose name is not UTF-8 (copied from an old Windows or Mac disk)
still builds: that file is skipped and named, the rest is used (issue 22)."""

from __future__ import annotations

import os
import shutil

from hd_desktop.voice.build import BUNDLED_CORPUS, fingerprint, open_space, run
from hd_desktop.voice.corpus import discover
from hd_desktop.voice.space import SpaceSettings


def test_a_file_name_that_is_not_utf8_is_skipped_and_named(tmp_path):
    corpus = tmp_path / "corpus"
    speakers = sorted(p for p in BUNDLED_CORPUS.iterdir() if p.is_dir())[:4]
    for spk in speakers:
        shutil.copytree(spk, corpus / spk.name)
    real = next(corpus.rglob("*.flac"))
    odd = os.path.join(os.fsencode(real.parent), b"caf\xe9-latin1.flac")
    shutil.copyfile(real, odd)
    good = fingerprint(corpus, SpaceSettings())            # the odd file does not count...
    os.remove(odd)
    assert fingerprint(corpus, SpaceSettings()) == good     # ...present or not
    shutil.copyfile(real, odd)
    assert all("latin1" not in f.item for f in discover(corpus))
    space = run(open_space(corpus, tmp_path / "cache"))
    named = [p for p in space.problems if "caf\\xe9-latin1.flac" in p]
    assert named and "not valid UTF-8" in named[0], space.problems
    assert len(set(space.speakers)) == 4
    "\n".join(space.problems).encode("utf-8")              # every message can be printed
