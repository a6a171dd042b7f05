#!/usr/bin/env python3
"""The privatelink-cdk app: ``cdk synth`` / ``cdk deploy ProviderStack``.

The config comes from cdk.json (context key ``privatelink``) or from ``-c config=FILE``; the
cdk-nag packs from ``-c compliance=all|none|<pack>,...`` (AwsSolutions without it).
"""

from __future__ import annotations

import sys

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
    sys.exit(main())
