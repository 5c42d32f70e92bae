"""`hd-desktop render Z1 Z2 [...] --carrier C --out F.wav [--play]`: one point of the space as speech."""

from __future__ import annotations

import soundfile as sf

from hd_desktop.commands._common import add_space_options, space_from_args
from hd_desktop.errors import UserFacingError


def register(sub) -> None:
    parser = sub.add_parser("render", help="render one point of the voice space to a WAV file")
    parser.add_argument("z", nargs="+", type=float, metavar="Z",
                        help="coordinates, one per dimension, in SD units of the real voices")
    parser.add_argument("--carrier", choices=("sustained", "sentence"), default="sustained")
    parser.add_argument("--out", default=None, help="WAV file to write")
    parser.add_argument("--play", action="store_true", help="play it on the output device")
    parser.add_argument("--device", default=None, help="output device (index or part of its name)")
    add_space_options(parser)
    parser.set_defaults(func=run)


def run(args) -> int:
    if not args.out and not args.play:
        raise UserFacingError("say where the voice goes: --out FILE.wav and/or --play")
    if len(args.z) != args.dims:
        raise UserFacingError(f"the space has {args.dims} dims but {len(args.z)} coordinates were "
                              "given (use --dims to change the space)")
    space = space_from_args(args, quiet=True)
    audio, rate = space.render(args.z, args.carrier)
    if args.out:
        sf.write(args.out, audio, rate, subtype="PCM_16")
        print(f"wrote {args.out} ({len(audio) / rate:.2f} s at {rate} Hz, carrier {args.carrier})")
    if args.play:
        from hd_desktop.audio.player import Player

        with Player(device=args.device) as player:
            print(f"playing on {player.device.label()}")
            player.play(audio, rate).wait(timeout=len(audio) / rate + 5)
    return 0
