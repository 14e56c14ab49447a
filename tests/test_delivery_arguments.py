"""GitOpsDelivery's argument checks, apart from the build: plain Python, tested without jsii."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from constructs_lib.access import GitOpsApplication
from constructs_lib.delivery_arguments import check_arguments, check_reference
from constructs_lib.errors import ConstructArgumentError

DIGEST = "sha256:" + "a" * 64


class FakeAddon:
    pass


def shop(**changes: Any) -> GitOpsApplication:
    given: dict[str, Any] = {"name": "shop", "namespace": "shop", "chart": "oci://h.example/bundles/shop:1.0.0"}
    given.update(changes)
    return GitOpsApplication(**given)


def arguments(**changes: Any) -> dict[str, Any]:
    given: dict[str, Any] = {
        "addon_type": FakeAddon,
        "applications": [shop()],
        "registry": "h.example/bundles/",
        "username": "${var.u}",
        "password": "${var.p}",
        "argocd": None,
        "namespace": "argocd",
        "apps_chart_repository": "https://argoproj.github.io/argo-helm",
        "closed_registry": None,
    }
    given.update(changes)
    return given


def test_the_check_module_imports_without_cdktf() -> None:
    code = (
        "import sys\n"
        "for name in ('cdktf', 'constructs', 'jsii', 'cdktf_cdktf_provider_openstack'):\n"
        "    sys.modules[name] = None\n"
        "import constructs_lib.delivery_arguments as m\n"
        "assert not any(k.split('.')[0] in ('cdktf', 'constructs', 'jsii') and v is not None\n"
        "               for k, v in sys.modules.items())\n"
        "print(m.check_arguments)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_check_returns_what_the_build_needs() -> None:
    checked = check_arguments("stack/gitops", **arguments(argocd=FakeAddon()))
    assert checked.registry == "h.example/bundles"
    assert checked.oci_sources is False and checked.warnings == ()
    pinned = check_arguments(
        "stack/gitops",
        **arguments(
            applications=[shop(), shop(name="cart", chart=f"oci://h.example/bundles/cart@{DIGEST}")],
            closed_registry="mirror.internal",
        ),
    )
    assert pinned.oci_sources is True
    assert pinned.warnings == (
        "application shop comes from h.example/bundles, outside mirror.internal",
        "application cart comes from h.example/bundles, outside mirror.internal",
    )


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"applications": "shop"}, "applications"),
        ({"applications": [shop(), shop(namespace="other")]}, "applications"),
        ({"registry": "H.example/bundles"}, "registry"),
        ({"username": "reader"}, "username"),
        ({"password": None}, "password"),
        ({"namespace": "Argo CD"}, "namespace"),
        ({"apps_chart_repository": "ftp://charts.example"}, "apps_chart_repository"),
        ({"argocd": "argo-cd"}, "argocd"),
        ({"registry": "h.example/other"}, "applications['shop'].chart"),
    ],
)
def test_each_mistake_is_one_argument_error(changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as raised:
        check_arguments("stack/gitops", **arguments(**changes))
    assert raised.value.argument == argument
    assert raised.value.construct_path == "stack/gitops"


@pytest.mark.parametrize("value", ["secret", "", None, 7])
def test_a_secret_is_a_reference_and_never_shown(value: Any) -> None:
    with pytest.raises(ConstructArgumentError) as raised:
        check_reference("stack/dex", "client_secret", value)
    assert raised.value.argument == "client_secret"
    assert raised.value.value == "(hidden)"


def test_a_bundle_outside_the_registry_is_refused_before_anything_is_built() -> None:
    from cdktf import App, TerraformStack

    from constructs_lib.delivery import GitOpsDelivery

    stack = TerraformStack(App(), "s")
    with pytest.raises(ConstructArgumentError) as raised:
        GitOpsDelivery(
            stack, "g", applications=[shop()], registry="h.example/other", username="${var.u}", password="${var.p}"
        )
    assert raised.value.argument == "applications['shop'].chart"
    assert stack.node.try_find_child("g") is None
