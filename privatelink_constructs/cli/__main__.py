"""``python -m privatelink_constructs.cli``: the same as the ``privatelink-cdk`` command."""

import sys

from .main import main

sys.exit(main())
