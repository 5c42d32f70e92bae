"""`hd-desktop space info [--json]`: what the voice space is made of."""

from __future__ import annotations

import json

from hd_desktop.commands._common import add_space_options, space_from_args


def register(sub) -> None:
    parser = sub.add_parser("space", help="the voice space of a corpus")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    info = actions.add_parser("info", help="speakers, items, dims, explained variance, fingerprint")
    add_space_options(info)
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(func=run_info)


def run_info(args) -> int:
    space = space_from_args(args, quiet=args.json)
    info = space.info()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"Voice space {info['fingerprint'][:16]}  ({info['units']})")
    print(f"  {info['n_items']} items of {info['n_speakers']} speakers, {info['dims']} dims")
    for axis, share in enumerate(info["explained_variance"], 1):
        print(f"  axis {axis}: {share:.1%} of the standardised variance")
    print(f"  speakers: {', '.join(info['speakers'])}")
    for line in info["problems"]:
        print(f"  skipped or changed: {line}")
    return 0
