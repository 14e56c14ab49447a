"""The provider packages load lazily (constructs_lib._lazy_bindings) and that changes no output."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cdktf import App, TerraformStack

from constructs_lib import _lazy_bindings
from stacks.app import ENVIRONMENTS_DIR, synth

ROOT = Path(__file__).resolve().parent.parent

_SYNTH_AND_LIST_MODULES = """
import json, sys
import constructs_lib
from stacks.app import ENVIRONMENTS_DIR, synth
synth(ENVIRONMENTS_DIR, sys.argv[1])
print(json.dumps(sorted(m for m in sys.modules if m.startswith("cdktf_cdktf_provider_"))))
"""

PACKAGES = ("openstack", "helm", "kubernetes", "gitlab")


def _files(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_shipped_synth_is_byte_identical_with_every_submodule_imported(tmp_path: Path) -> None:
    # Synthesized in this process, where constructs_lib (imported first by conftest) installed
    # the hook before any provider package loaded.
    assert any(isinstance(f, _lazy_bindings.LazyBindingsFinder) for f in sys.meta_path)
    shipped_out = tmp_path / "lazy"
    synth(ENVIRONMENTS_DIR, shipped_out)
    eager_out = tmp_path / "eager"
    result = subprocess.run(
        [sys.executable, "-c", _SYNTH_AND_LIST_MODULES, str(eager_out)],
        cwd=ROOT,
        env={**os.environ, _lazy_bindings.DISABLE_VARIABLE: "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    eager_modules = set(json.loads(result.stdout.splitlines()[-1]))
    # The variable really turned the hook off: every OpenStack resource type was imported there...
    assert "cdktf_cdktf_provider_openstack.vpnaas_service_v2" in eager_modules
    # ...and not here, where only what the stacks use is loaded.
    assert "cdktf_cdktf_provider_openstack.vpnaas_service_v2" not in sys.modules
    assert "cdktf_cdktf_provider_openstack.networking_network_v2" in sys.modules
    shipped = _files(shipped_out)
    assert shipped and _files(eager_out) == shipped


def test_a_type_of_a_submodule_never_imported_still_crosses_from_javascript() -> None:
    """The jsii runtime imports the submodule when JavaScript hands over an object of its type."""
    import cdktf_cdktf_provider_openstack  # noqa: F401  (loads the assembly, no submodule)
    import jsii
    from jsii import _reference_map
    from jsii._kernel import _make_reference_for_native
    from jsii._kernel.types import CreateRequest

    name = next(
        n
        for n in ("identity_project_v3", "networking_addressscope_v2", "networking_qos_policy_v2")
        if f"cdktf_cdktf_provider_openstack.{n}" not in sys.modules
    )
    fqn = _lazy_bindings.submodule_fqn("@cdktf/provider-openstack", name)
    class_name = fqn.rsplit(".", 1)[1][:1].upper() + fqn.rsplit(".", 1)[1][1:]
    stack = TerraformStack(App(), "lazy")
    kernel = jsii.kernel
    # An object created on the JavaScript side only, as a cdktf method returning it would.
    ref = kernel.provider.create(  # type: ignore[attr-defined]
        CreateRequest(fqn=f"{fqn}.{class_name}", args=_make_reference_for_native(kernel, [stack, "x", {"name": "x"}]))
    )
    obj = _reference_map.resolve_reference(kernel, ref)
    module = f"cdktf_cdktf_provider_openstack.{name}"
    assert module in sys.modules
    assert type(obj) is getattr(sys.modules[module], class_name)


@pytest.mark.parametrize("package", PACKAGES)
def test_submodule_names_map_to_their_jsii_namespaces(package: str) -> None:
    spec = importlib.util.find_spec(f"cdktf_cdktf_provider_{package}")
    assert spec is not None and spec.origin is not None
    split = _lazy_bindings.split_eager_imports(Path(spec.origin).read_text())
    assert split is not None, "the package's __init__ changed layout: the hook would import it unchanged"
    _, names = split
    assert len(names) > 2
    root = Path(spec.origin).parent
    for name in names:
        with (root / name / "__init__.py").open() as file:
            match = re.search(r'jsii_type="([^"]+)\.[^".]+"', file.read(300_000))
        assert match is not None, name
        assert match.group(1) == _lazy_bindings.submodule_fqn(f"@cdktf/provider-{package}", name)


def test_lazy_package_still_offers_its_submodules_as_attributes() -> None:
    import cdktf_cdktf_provider_openstack as openstack

    assert openstack.__spec__ is not None and isinstance(openstack.__spec__.loader, _lazy_bindings._LazyInitLoader)
    assert openstack.compute_aggregate_v2.ComputeAggregateV2.__name__ == "ComputeAggregateV2"
    with pytest.raises(AttributeError, match="no attribute 'not_a_resource'"):
        openstack.not_a_resource  # noqa: B018


_LAYOUT = """
import publication
__all__ = ["a"]
publication.publish()

# Loading modules to ensure their types are registered with the jsii runtime library
from . import a
from . import b_v2
"""


def test_only_the_known_layout_is_changed() -> None:
    head, names = _lazy_bindings.split_eager_imports(_LAYOUT) or ("", ())
    assert names == ("a", "b_v2") and "from . import" not in head and head.rstrip().endswith("publication.publish()")
    assert _lazy_bindings.split_eager_imports(_LAYOUT + "print('more')\n") is None
    assert _lazy_bindings.split_eager_imports(_LAYOUT.replace("# Loading modules", "# Other")) is None
    assert _lazy_bindings.split_eager_imports(_LAYOUT.replace("publication.publish()", "")) is None
    finder = _lazy_bindings.LazyBindingsFinder()
    assert finder.find_spec("json", None) is None
    assert finder.find_spec("cdktf_cdktf_provider_openstack.provider", ["/somewhere"]) is None
    assert finder.find_spec("cdktf_cdktf_provider_missing", None) is None


def test_variable_turns_the_hook_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_lazy_bindings.DISABLE_VARIABLE, "1")
    monkeypatch.setattr(
        sys, "meta_path", [f for f in sys.meta_path if not isinstance(f, _lazy_bindings.LazyBindingsFinder)]
    )
    assert _lazy_bindings.install() is False
    assert not any(isinstance(f, _lazy_bindings.LazyBindingsFinder) for f in sys.meta_path)
    monkeypatch.setenv(_lazy_bindings.DISABLE_VARIABLE, "0")
    assert _lazy_bindings.install() is True
    assert isinstance(sys.meta_path[0], _lazy_bindings.LazyBindingsFinder)


def test_importing_the_library_stays_light() -> None:
    """The hook is installed by ``import constructs_lib``, which must still load no cdktf or jsii
    (platformctl's commands start on it)."""
    code = (
        "import sys, constructs_lib; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cdktf', 'jsii', 'constructs', 'yaml')))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    assert any(isinstance(f, _lazy_bindings.LazyBindingsFinder) for f in sys.meta_path)


# --- type hints of the generated code, kept per stub ------------------------------------------


def test_generated_modules_resolve_type_hints_through_the_cache() -> None:
    import cdktf
    import cdktf_cdktf_provider_helm.release  # noqa: F401  (a submodule, imported after the hook)

    for name in ("cdktf._private", "cdktf_cdktf_provider_helm.release._private"):
        assert sys.modules[name].__dict__["typing"] is _lazy_bindings.TYPING, name
    # Everything but get_type_hints is typing's own.
    assert _lazy_bindings.TYPING.cast is cdktf._private.typing.cast is __import__("typing").cast  # type: ignore[attr-defined]


def test_a_module_imported_before_the_hook_is_switched_over_by_install() -> None:
    import typing

    module = type(sys)("cdktf_cdktf_provider_example._private")
    module.typing = typing  # type: ignore[attr-defined]
    other = type(sys)("unrelated_package")
    other.typing = typing  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    sys.modules[other.__name__] = other
    try:
        assert _lazy_bindings.install()
    finally:
        del sys.modules[module.__name__], sys.modules[other.__name__]
    assert module.typing is _lazy_bindings.TYPING  # type: ignore[attr-defined]
    assert other.typing is typing  # type: ignore[attr-defined]


def test_kept_hints_are_the_same_and_a_changed_copy_changes_nothing() -> None:
    import typing

    def stub(scope: int, id_: str | None = None) -> None: ...

    first = _lazy_bindings.cached_type_hints(stub)
    assert first == typing.get_type_hints(stub)
    first["scope"] = str
    assert _lazy_bindings.cached_type_hints(stub) == typing.get_type_hints(stub)
    # Asked with other arguments, or of something else than a function: typing's answer, unkept.
    assert _lazy_bindings.cached_type_hints(stub, include_extras=True) == typing.get_type_hints(
        stub, include_extras=True
    )

    class Annotated:
        value: int

    assert _lazy_bindings.cached_type_hints(Annotated) == {"value": int}
    assert Annotated not in _lazy_bindings._TYPE_HINTS


def test_the_bindings_still_check_argument_types_on_every_call() -> None:
    app = App()
    for _ in range(2):  # the second call resolves its hints from the cache
        with pytest.raises(TypeError, match="id"):
            TerraformStack(app, 5)  # type: ignore[arg-type]
