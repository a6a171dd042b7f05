#!/usr/bin/env python3
"""The privatelink-cdk app: ``cdk synth`` / ``cdk deploy ProviderStack``.

The config comes from cdk.json (context key ``privatelink``) or from ``-c config=FILE``; the
cdk-nag packs from ``-c compliance=all|none|<pack>,...`` (AwsSolutions without it).

Run as a program, it keeps Python's cyclic garbage collector out of the imports. aws-cdk-lib's
modules make about 120,000 objects that live as long as the process; the collector's passes over
them while they load cost about 0.25 s of every synth (a full pass alone takes 0.1 s). So the
collector is off while the modules load, ``gc.freeze()`` then sets what they made aside, and the
collector runs as usual for everything the app builds.
"""

from __future__ import annotations

import gc
import sys

if __name__ == "__main__":
    gc.disable()  # until the imports are done: see the module docstring

from aws_cdk import App

from stacks import ConfigError, build_app, load_config, with_nag
from stacks.compliance import CONTEXT_KEY, parse_packs


def main(app: App | None = None) -> int:
    """Validate the config and the packs, build every stack with those cdk-nag packs on, synthesize.

    ``app`` defaults to a new ``App()``, which reads the context the CDK CLI passes.
    """
    app = app or App()
    try:
        config = load_config(app.node.try_get_context)
        packs = parse_packs(app.node.try_get_context(CONTEXT_KEY))
    except (ConfigError, ValueError) as error:
        print(error, file=sys.stderr)
        return 1
    build_app(app, config)
    with_nag(app, packs)
    app.synth()
    return 0


if __name__ == "__main__":
    gc.freeze()
    gc.enable()
    sys.exit(main())
