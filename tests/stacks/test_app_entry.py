"""app.py, the entry point `cdk synth` runs: a bad config is one clear message and exit code 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import App

import app


def test_bad_config_prints_every_problem_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("provider:\n  ports: [5432, 70000]\n  prots: [1]\n", encoding="utf-8")
    assert app.main(App(context={"config": str(config)})) == 1
    error = capsys.readouterr().err
    assert "invalid privatelink config (2 problems)" in error
    assert "provider.ports[1]: 70000 is not a TCP port (1-65535)" in error
    assert "provider.prots: unknown key" in error
