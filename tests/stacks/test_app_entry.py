"""app.py, the entry point `cdk synth` runs: a bad config is one clear message and exit code 1."""

from __future__ import annotations

import gc
import runpy
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


def test_run_as_a_program_the_imports_are_frozen_and_the_collector_is_back_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A config with nothing to build: main() stops at the config, before any synth.
    monkeypatch.setenv("CDK_CONTEXT_JSON", '{"privatelink": {}}')
    assert gc.get_freeze_count() == 0
    try:
        with pytest.raises(SystemExit) as exit_:
            runpy.run_path(str(Path(app.__file__)), run_name="__main__")
        assert exit_.value.code == 1
        # a problem of the whole config has no path to show, and no stray ": " before it
        assert "\n  - nothing to build; give a provider section" in capsys.readouterr().err
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()


def test_imported_app_py_leaves_the_collector_alone() -> None:
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
