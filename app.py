#!/usr/bin/env python3
"""The privatelink-cdk app: ``cdk synth`` / ``cdk deploy ProviderStack``.

The config comes from cdk.json (context key ``privatelink``) or from ``-c config=FILE``.
"""

from __future__ import annotations

import sys

from aws_cdk import App

from stacks import ConfigError, build_app, load_config, with_nag


def main(app: App | None = None) -> int:
    """Validate the config, build every stack with cdk-nag on, synthesize.

    ``app`` defaults to a new ``App()``, which reads the context the CDK CLI passes.
    """
    app = app or App()
    try:
        config = load_config(app.node.try_get_context)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    build_app(app, config)
    with_nag(app)
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
