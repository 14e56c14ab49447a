"""``stacks.app.synth`` rests Python's garbage collector while it loads and builds, and gives it
back as it found it: a program that synthesizes in its own process (platformctl diff) keeps
its collector."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import stacks.app as app
from environment_loader import EnvironmentConfigError


@pytest.fixture
def collector_state() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def _recording(monkeypatch: pytest.MonkeyPatch, seen: list[tuple[str, bool]]) -> None:
    load, build = app.load_environments, app.build

    def load_environments(*args: Any, **kwargs: Any) -> Any:
        seen.append(("load", gc.isenabled()))
        return load(*args, **kwargs)

    def recorded_build(*args: Any, **kwargs: Any) -> Any:
        seen.append(("build", gc.isenabled()))
        return build(*args, **kwargs)

    monkeypatch.setattr(app, "load_environments", load_environments)
    monkeypatch.setattr(app, "build", recorded_build)


def test_the_collector_rests_while_loading_and_building_and_is_back_after(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, collector_state: None
) -> None:
    seen: list[tuple[str, bool]] = []
    _recording(monkeypatch, seen)
    gc.enable()
    app.synth(app.ENVIRONMENTS_DIR, tmp_path / "out", ["simple"])
    assert seen == [("load", False), ("build", False)]
    assert gc.isenabled()
    assert (tmp_path / "out" / "stacks" / "simple-infra" / "cdk.tf.json").is_file()


def test_the_collector_is_back_after_a_failed_synth(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, collector_state: None
) -> None:
    seen: list[tuple[str, bool]] = []
    _recording(monkeypatch, seen)
    (tmp_path / "broken.hcl").write_text("cluster {\n")
    gc.enable()
    with pytest.raises(EnvironmentConfigError):
        app.synth(tmp_path, tmp_path / "out", ["broken"])
    assert seen == [("load", False)]
    assert gc.isenabled()


def test_a_collector_turned_off_by_the_caller_stays_off(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, collector_state: None
) -> None:
    gc.disable()
    with app.collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
    gc.enable()
    with pytest.raises(RuntimeError), app.collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
