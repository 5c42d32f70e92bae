"""`hd-desktop render Z1 Z2 [...] --carrier C --out F.wav [--play]`: one point of the space as speech."""

from __future__ import annotations

import math
from pathlib import Path

from hd_desktop.commands._common import (accept_negative_numbers, add_space_options,
                                         check_space_args, space_from_args)
from hd_desktop.design.stimulus import MAX_RADIUS
from hd_desktop.errors import UserFacingError

AUDIO_SUFFIXES = (".wav", ".flac")


def register(sub) -> None:
    parser = sub.add_parser("render", help="render one point of the voice space to a WAV file")
    accept_negative_numbers(parser)
    parser.add_argument("z", nargs="+", type=float, metavar="Z",
                        help="coordinates, one per dimension, in SD units of the real voices")
    parser.add_argument("--carrier", choices=("sustained", "sentence"), default="sustained")
    parser.add_argument("--out", default=None, help="WAV (or FLAC) file to write")
    parser.add_argument("--play", action="store_true", help="play it on the output device")
    parser.add_argument("--device", default=None, help="output device (index or part of its name)")
    add_space_options(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    if not args.out and not args.play:
        raise UserFacingError("say where the voice goes: --out FILE.wav and/or --play")
    check_space_args(args)
    if len(args.z) != args.dims:
        raise UserFacingError(f"the space has {args.dims} dims but {len(args.z)} coordinates were "
                              "given (use --dims to change the space)")
    check_point(args.z)
    if args.out:
        check_out(args.out)
    space = space_from_args(args, quiet=True)
    audio, rate = space.render(args.z, args.carrier)
    if args.out:
        write_audio(args.out, audio, rate)
        print(f"wrote {args.out} ({len(audio) / rate:.2f} s at {rate} Hz, carrier {args.carrier})")
    if args.play:
        from hd_desktop.audio.player import Player

        with Player(device=args.device) as player:
            print(f"playing on {player.device.label()}")
            player.play(audio, rate).wait(timeout=len(audio) / rate + 5)
    return 0


def check_point(z: list[float]) -> None:
    """Refuse coordinates that are not numbers, or so far out that no voice is there."""
    for i, value in enumerate(z, 1):
        if not math.isfinite(value):
            raise UserFacingError(f"coordinate Z{i} is {value}: coordinates must be finite numbers "
                                  "(SD units of the real voices)")
    radius = math.hypot(*z)
    if radius > MAX_RADIUS:
        raise UserFacingError(
            f"the point ({', '.join(f'{v:g}' for v in z)}) is {radius:.3g} SD from the centre; "
            f"coordinates are in SD units of the real voices (they lie within about 3), so the "
            f"point must be within {MAX_RADIUS:g}")


def check_out(out: str) -> None:
    """Refuse an --out that cannot be written, before the space is built."""
    path = Path(out)
    if path.is_dir():
        raise UserFacingError(f"--out {out} is a folder; give a file in it, e.g. "
                              f"{path / 'voice.wav'}")
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        raise UserFacingError(f"--out {out}: only .wav or .flac files can be written")
    folder = path.parent
    if not folder.is_dir():
        what = f"{folder} is a file, not a folder" if folder.exists() else \
            f"the folder {folder} does not exist"
        raise UserFacingError(f"--out {out}: {what}")


def write_audio(out: str, audio, rate: int) -> None:
    import soundfile as sf

    try:
        sf.write(out, audio, rate, subtype="PCM_16")
    except (OSError, RuntimeError) as exc:  # soundfile's LibsndfileError is a RuntimeError
        raise UserFacingError(f"--out {out}: cannot write it ({exc})") from None
