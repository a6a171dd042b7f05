"""The default app plus an EndpointProbe in each consumer stack, which ``e2e_doctor.sh`` deploys.

Until the consumer config has ``probe: true``, this is how the probe gets deployed end to end:
``cdk deploy --all --app '.venv/bin/python scripts/e2e_probe_app.py'``. It builds the app as
``app.py`` does (the config from cdk.json, cdk-nag on), then adds the probe beside the endpoint,
the way ``ConsumerInterfaceEndpoint`` will, and the ``ProbeFunction`` output the doctor reads.
"""

from __future__ import annotations

import sys
from pathlib import Path

from aws_cdk import App, CfnOutput

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from privatelink_constructs import EndpointProbe
from privatelink_constructs._network import one_private_subnet_per_az
from stacks import build_app, load_config, with_nag


def main() -> int:
    """Synthesize the default app with a probe in every consumer stack."""
    app = App()
    config = load_config(app.node.try_get_context)
    built = build_app(app, config)
    for stack, consumer in zip(built.consumers, config.consumers, strict=True):
        ports = consumer.ports or (config.provider.ports if config.provider else ())
        probe = EndpointProbe(
            stack.endpoint,
            "Probe",
            vpc=stack.vpc,
            ports=ports,
            endpoint=stack.endpoint,
            subnets=one_private_subnet_per_az(stack.vpc),
        )
        CfnOutput(
            stack, "ProbeFunction", value=probe.function.function_name, description="The endpoint probe"
        )
    with_nag(app)
    app.synth()
    return 0


if __name__ == "__main__":
    sys.exit(main())
