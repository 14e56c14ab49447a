"""The GitLab and Kubernetes types on cdktf's generic classes synthesize what the prebuilt
bindings (kept as test dependencies for this comparison) synthesize, byte for byte."""

from __future__ import annotations

from collections.abc import Callable

import cdktf
from cdktf import Fn, TerraformIterator, TerraformStack, Token

from constructs_lib import gitlab, kubernetes


def _synth(build: Callable[[TerraformStack], object]) -> str:
    app = cdktf.Testing.app()
    stack = TerraformStack(app, "test")
    build(stack)
    return cdktf.Testing.synth(stack)


def _gitlab_stack(provider: type, user_runner: type) -> Callable[[TerraformStack], object]:
    def build(stack: TerraformStack) -> None:
        provider(stack, "gitlab", base_url="https://gitlab.example.com/api/v4")
        group = user_runner(
            stack,
            "group-runner",
            runner_type="group_type",
            group_id=42,
            description="runner-1",
            tag_list=["werf", "docker"],
            untagged=False,
            locked=True,
            access_level="not_protected",
        )
        project = user_runner(stack, "project-runner", runner_type="project_type", project_id=7, paused=True)
        # The token is what the runner VMs are configured with: the reference must match too.
        project.add_override("description", group.token)

    return build


def test_gitlab_types_match_the_prebuilt_binding() -> None:
    from cdktf_cdktf_provider_gitlab.provider import GitlabProvider
    from cdktf_cdktf_provider_gitlab.user_runner import UserRunner

    generic = _synth(_gitlab_stack(gitlab.GitlabProvider, gitlab.UserRunner))
    assert '"gitlab_user_runner"' in generic and '"source": "gitlabhq/gitlab"' in generic
    assert generic == _synth(_gitlab_stack(GitlabProvider, UserRunner))


def _kubernetes_stack(module: tuple[type, type, type, type] | None) -> Callable[[TerraformStack], object]:
    def build(stack: TerraformStack) -> None:
        if module is None:
            provider, nodes_type, labels_type, taint_type = (
                kubernetes.KubernetesProvider,
                kubernetes.DataKubernetesNodes,
                kubernetes.Labels,
                kubernetes.NodeTaint,
            )
        else:
            provider, nodes_type, labels_type, taint_type = module
        provider(
            stack,
            "kubernetes",
            host="https://10.0.0.1:6443",
            cluster_ca_certificate="ca",
            client_certificate="cert",
            client_key="key",
        )
        nodes = nodes_type(stack, "system-nodes", metadata={"labels": {"magnum.openstack.org/role": "system"}})
        names = TerraformIterator.from_list(nodes.nodes).for_expression_for_list("val.metadata[0].name")
        each_node = TerraformIterator.from_list(Fn.toset(names))
        node_name = Token.as_string(each_node.value)
        labels_type(
            stack,
            "system-labels",
            for_each=each_node,
            api_version="v1",
            kind="Node",
            metadata={"name": node_name},
            labels={"node-role.deckhouse.io/system": ""},
            field_manager="platform",
        )
        taint_type(
            stack,
            "system-taints",
            for_each=each_node,
            metadata={"name": node_name},
            taint=[{"key": "dedicated.deckhouse.io", "value": "system", "effect": "NoExecute"}],
            field_manager="platform",
            force=True,
        )

    return build


def test_kubernetes_types_match_the_prebuilt_binding() -> None:
    from cdktf_cdktf_provider_kubernetes.data_kubernetes_nodes import DataKubernetesNodes
    from cdktf_cdktf_provider_kubernetes.labels import Labels
    from cdktf_cdktf_provider_kubernetes.node_taint import NodeTaint
    from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider

    generic = _synth(_kubernetes_stack(None))
    assert '"kubernetes_node_taint"' in generic and "data.kubernetes_nodes.system-nodes.nodes" in generic
    prebuilt = _synth(_kubernetes_stack((KubernetesProvider, DataKubernetesNodes, Labels, NodeTaint)))
    assert generic == prebuilt


def test_unset_attributes_are_left_out() -> None:
    doc = _synth(lambda stack: gitlab.UserRunner(stack, "r", runner_type="instance_type"))
    assert '"runner_type": "instance_type"' in doc
    assert "group_id" not in doc and "null" not in doc
