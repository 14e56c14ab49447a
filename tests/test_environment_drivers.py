"""Environment files with cluster drivers: bad input for the driver keys is one line naming
the file, the line, the key and what is allowed; nothing is written."""

from __future__ import annotations

import pytest

from constructs_lib.errors import PlatformError
from stacks.app import synth


@pytest.mark.parametrize(
    ("env", "replace", "append", "expected"),
    [
        ("simple", ('  driver             = "selectel-mks"\n', ""), "", "cluster.driver: required key is missing"),
        (
            "simple",
            ('"selectel-mks"', '"gke"'),
            "",
            'cluster.driver: "gke" is not allowed: expected one of "selectel-mks"',
        ),
        (
            "simple",
            ('control_plane      = "basic"', 'control_plane = "basic"\n  image = "fcos"'),
            "",
            "cluster.image: unknown key; allowed: ",
        ),
        (
            "simple",
            ('kubernetes_version = "1.36"', 'kubernetes_version = "1.30.4"'),
            "",
            'cluster.kubernetes_version: "1.30.4" is not allowed: a Kubernetes release that cert-manager v1.21.1 supports: 1.33 to 1.36',
        ),
        (
            "simple",
            ('control_plane      = "basic"', 'control_plane = "huge"'),
            "",
            'cluster.control_plane: "huge" is not allowed',
        ),
        (
            "simple",
            ("count       = 2", "count       = 16"),
            "",
            "node_group.workers.count: 16 is not allowed: an integer from 0 to 15",
        ),
        (
            "simple",
            ("count       = 2", "count       = 2\n  cpus = 2"),
            "",
            "node_group.workers.cpus: 2 is not allowed: left out when flavor",
        ),
        (
            "simple",
            ('role        = "worker"', 'role        = "Worker"'),
            "",
            'node_group.workers.role: "Worker" is not allowed',
        ),
        ("simple", ('role        = "worker"\n', ""), "", "node_group.workers.role: is missing"),
        (
            "magnum",
            ('octavia_provider = "ovn"', 'kube_tag = "v1.36.1"'),
            "",
            'cluster.labels.kube_tag: "v1.36.1" is not allowed',
        ),
        (
            "magnum",
            ("max_count = 4", "max_count = 4\n  cpus = 4"),
            "",
            "node_group.frontend.cpus: unknown key; allowed: ",
        ),
        (
            "magnum",
            ("master_count       = 3", "master_count       = 2"),
            "",
            "cluster.master_count: 2 is not allowed: 1, 3 or 5",
        ),
        (
            "kamaji",
            ('kubernetes_version = "1.36.2"', 'kubernetes_version = "1.37.0"'),
            "",
            'cluster.kubernetes_version: "1.37.0" is not allowed: at most 1.36.x: Kamaji 26.8.2-edge refuses',
        ),
        (
            "kamaji",
            ('namespace       = "tenants"', 'namespace       = "tenants"\n    contxt = "admin"'),
            "",
            'cluster.management.contxt: "admin" is not allowed: one of the keys kubeconfig_path, context, namespace',
        ),
        (
            "kamaji",
            ('base_url = "https://artifacts', 'base_url = "http://artifacts'),
            "",
            "cluster.sysext.base_url: ",
        ),
        (
            "kamaji",
            ('image             = "flatcar-stable"', 'image = "flatcar-stable"\n  token_ttl_hours = 0'),
            "",
            "cluster.token_ttl_hours: 0 is not allowed: an integer from 1 to 168",
        ),
        (
            "kamaji",
            (
                'image             = "flatcar-stable"',
                'image = "flatcar-stable"\n  mirrors = [{ registry = "docker.io", endpoints = ["http://mirror.internal"] }]',
            ),
            "",
            'cluster.mirrors.endpoints: "http://mirror.internal" is not allowed',
        ),
        (
            "kamaji",
            ("boot_volume_size = 30", "boot_volume_size = 30\n  max_count = 4"),
            "",
            "node_group.frontend.max_count: unknown key; allowed: ",
        ),
    ],
)
def test_bad_driver_keys_are_one_line_with_the_line_number(env_dir, tmp_path, env, replace, append, expected) -> None:
    directory = env_dir(env, (replace,), append)
    out = tmp_path / "cdktf.out"
    with pytest.raises(PlatformError) as err:
        synth(directory, out, [env])
    message = str(err.value)
    assert expected in message
    assert message.startswith(f"{directory / f'{env}.hcl'}:"), message
    line = int(message.split(":")[1])
    key = expected.split(":")[0].split(" ")[0].split(".")[-1]
    written = (directory / f"{env}.hcl").read_text().splitlines()[line - 1]
    # A missing key is reported at its block.
    assert key in written or ("is missing" in expected and "{" in written), message
    assert "\n" not in message
    assert not out.exists()
