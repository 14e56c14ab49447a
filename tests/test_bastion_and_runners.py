from __future__ import annotations

import ipaddress
import json
import random
import re
from collections.abc import Callable

import pytest
from cdktf import TerraformOutput

from constructs_lib import (
    Bastion,
    ConstructArgumentError,
    Network,
    RunnerFleet,
    SshKeyPair,
    SubnetSpec,
)
from tests.conftest import resources, synth_stack

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Vbw2SmHb4vJ7cfX2hKqV0M0QvSx8Rt3wq4hN8kYJv test"


def _base(stack, closed: bool = False):
    network = Network(
        stack,
        "network",
        name="env",
        subnets=[SubnetSpec("nodes", "10.0.0.0/24")],
        external_network=None if closed else "ext",
    )
    return network, SshKeyPair(stack, "keypair", name="admin", public_key=KEY)


def _bastion(stack, cidrs=("198.51.100.0/24",), **kw):
    network, keypair = _base(stack, closed=kw.pop("closed", False))
    return Bastion(
        stack, "bastion", network=network, keypair=keypair, flavor="f", image="i", ssh_allowed_cidrs=cidrs, **kw
    )


def _ingress(doc):
    return [r for r in resources(doc, "openstack_networking_secgroup_rule_v2").values() if r["direction"] == "ingress"]


def test_bastion_ssh_only_from_listed_cidrs_and_floating_ip_by_association() -> None:
    doc = synth_stack(_bastion)
    (rule,) = _ingress(doc)
    assert (rule["protocol"], rule["port_range_min"], rule["remote_ip_prefix"]) == ("tcp", 22, "198.51.100.0/24")
    assert len(resources(doc, "openstack_networking_floatingip_v2")) == 1
    (assoc,) = resources(doc, "openstack_networking_floatingip_associate_v2").values()
    assert assoc["port_id"].startswith("${openstack_networking_port_v2.bastion_port")
    (vm,) = resources(doc, "openstack_compute_instance_v2").values()
    assert "ssh_pwauth: false" in vm["user_data"] and "disable_root: true" in vm["user_data"]
    assert "PermitRootLogin no" in vm["user_data"] and "PasswordAuthentication no" in vm["user_data"]
    assert "admin_pass" not in vm


def test_bastion_exposes_a_proxy_jump_snippet_for_its_subnets() -> None:
    from cdktf import TerraformOutput

    doc = synth_stack(lambda s: TerraformOutput(s, "ssh", value=_bastion(s).ssh_proxy_jump))
    snippet = doc["output"]["ssh"]["value"]
    assert snippet.startswith("Host bastion\n  HostName ${openstack_networking_floatingip_v2.bastion_floating-ip")
    assert "Host 10.0.0.*\n  User ubuntu\n  ProxyJump bastion\n" in snippet


def _ssh_matcher(patterns: list[str]) -> Callable[[str], bool]:
    """Whether a host name matches any of ``patterns`` as ssh_config matches them (OpenSSH
    match.c): ``*`` any run, ``?`` one character, everything else literal, the whole name.
    One expression for all patterns, compiled once: the tests match tens of thousands of names."""
    regex = "|".join(
        "(?:" + "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern) + ")"
        for pattern in patterns
    )
    compiled = re.compile(regex, re.DOTALL)
    return lambda host: compiled.fullmatch(host) is not None


def _proxied_patterns(cidr: str) -> list[str]:
    """The ``Host`` patterns of a bastion's ProxyJump snippet for a network with one subnet."""

    def build(stack):
        network = Network(stack, "network", name="env", subnets=[SubnetSpec("nodes", cidr)], external_network="ext")
        keypair = SshKeyPair(stack, "keypair", name="admin", public_key=KEY)
        bastion = Bastion(
            stack, "bastion", network=network, keypair=keypair, flavor="f", image="i", ssh_allowed_cidrs=[]
        )
        TerraformOutput(stack, "ssh", value=bastion.ssh_proxy_jump)

    snippet = synth_stack(build)["output"]["ssh"]["value"]
    (line,) = [line for line in snippet.splitlines() if line.startswith("Host ") and line != "Host bastion"]
    return line.split()[1:]


def _addresses_around(net: ipaddress.IPv4Network) -> list[ipaddress.IPv4Address]:
    """Every address of the /16 around a small subnet; for a large one, its edges, the edges
    of its neighbours and a sample inside and outside."""
    if net.prefixlen >= 16:
        return list(net.supernet(new_prefix=16))
    first, last = int(net.network_address), int(net.broadcast_address)
    rng = random.Random(net.prefixlen)
    span = last - first + 1
    picks = [first - 1, first, first + 1, last - 1, last, last + 1]
    picks += [rng.randrange(first, last + 1) for _ in range(2000)]
    picks += [rng.randrange(max(0, first - 4 * span), min(2**32, last + 4 * span)) for _ in range(2000)]
    return [ipaddress.IPv4Address(n) for n in picks if 0 <= n < 2**32]


@pytest.mark.parametrize(
    "cidr",
    [
        "10.0.0.0/8",
        "10.128.0.0/9",
        "100.64.0.0/10",
        "172.16.0.0/16",
        "172.16.96.0/20",
        "10.20.0.0/22",
        "10.20.4.0/22",
        "10.20.252.0/22",
        "192.168.1.0/24",
        "192.168.1.64/26",
        "192.168.1.192/26",
        "192.168.1.240/28",
    ],
)
def test_proxy_jump_patterns_match_exactly_the_subnet(cidr: str) -> None:
    """ssh has no CIDR patterns: a pattern that keeps only whole octets (``10.20.*`` for a
    /22) would send hosts outside the subnet through the bastion, a narrower one would miss
    some inside. Every address around the subnet is matched as ssh matches it."""
    net = ipaddress.ip_network(cidr)
    patterns = _proxied_patterns(cidr)
    assert patterns
    matches = _ssh_matcher(patterns)
    wrong = [
        (str(address), address in net)
        for address in _addresses_around(net)
        if matches(str(address)) != (address in net)
    ]
    assert not wrong, (patterns, wrong[:5])


def test_bastion_with_no_cidrs_writes_no_ssh_rule_and_warns() -> None:
    built = []
    doc = synth_stack(lambda s: built.append(_bastion(s, cidrs=[])))
    assert _ingress(doc) == []
    # A cdktf annotation: cdktf synth and the app print it.
    warnings = [m.data for m in built[0].node.metadata if m.type == "@cdktf/warn"]
    assert any("no SSH rule" in w for w in warnings), warnings


def test_bastion_on_a_closed_network_has_no_floating_ip_and_cannot_ask_for_one() -> None:
    doc = synth_stack(lambda s: _bastion(s, closed=True))
    assert resources(doc, "openstack_networking_floatingip_v2") == {}
    with pytest.raises(ConstructArgumentError, match="floating_ip"):
        synth_stack(lambda s: _bastion(s, closed=True, floating_ip=True))


def test_bad_public_key_is_refused() -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: SshKeyPair(s, "keypair", name="admin", public_key="-----BEGIN OPENSSH PRIVATE KEY-----"))
    assert err.value.argument == "public_key"


def _fleet(stack, count=2, **kw):
    network, keypair = _base(stack)
    bastion = Bastion(
        stack, "bastion", network=network, keypair=keypair, flavor="f", image="i", ssh_allowed_cidrs=["198.51.100.0/24"]
    )
    args = dict(
        network=network,
        keypair=keypair,
        count=count,
        flavor="f",
        image="i",
        gitlab_url="https://gitlab.example.com",
        group_id=7,
        ssh_from=bastion,
    )
    args.update(kw)
    return RunnerFleet(stack, "runners", **args)


def test_runners_are_private_spread_and_reachable_only_from_the_bastion() -> None:
    doc = synth_stack(_fleet)
    runner_vms = {k: v for k, v in resources(doc, "openstack_compute_instance_v2").items() if k.startswith("runners")}
    assert len(runner_vms) == 2
    # The only floating IP is the bastion's.
    (fip_assoc,) = resources(doc, "openstack_networking_floatingip_associate_v2").values()
    assert "runners" not in fip_assoc["port_id"]
    (group,) = resources(doc, "openstack_compute_servergroup_v2").values()
    assert group["policies"] == ["anti-affinity"]
    for vm in runner_vms.values():
        assert vm["scheduler_hints"][0]["group"].startswith("${openstack_compute_servergroup_v2.runners")
    runner_ingress = [r for r in _ingress(doc) if "runners" in r["security_group_id"]]
    assert len(runner_ingress) == 1
    assert runner_ingress[0]["remote_group_id"].startswith("${openstack_networking_secgroup_v2.bastion")
    assert "remote_ip_prefix" not in runner_ingress[0]


def test_runner_registration_and_token_by_reference_only() -> None:
    doc = synth_stack(lambda s: _fleet(s, tags=("werf",), concurrency=3))
    regs = resources(doc, "gitlab_user_runner")
    assert len(regs) == 2
    for reg in regs.values():
        assert reg["tag_list"] == ["werf"]
        assert reg["untagged"] is False and reg["locked"] is True
        assert reg["runner_type"] == "group_type" and reg["group_id"] == 7
    for name, vm in resources(doc, "openstack_compute_instance_v2").items():
        if name.startswith("runners"):
            assert 'token = "${gitlab_user_runner.runners_registration-' in vm["user_data"]
            assert "concurrent = 3" in vm["user_data"] and 'executor = "docker"' in vm["user_data"]
            assert "glrt-" not in vm["user_data"]


def _everything_under(doc: dict, construct_id: str) -> list[str]:
    """Every resource and data source made under the stack's construct ``construct_id``
    (their logical ids start with it)."""
    return [
        f"{kind}.{name}"
        for block in ("resource", "data")
        for kind, items in doc.get(block, {}).items()
        for name in items
        if name.startswith(f"{construct_id}_")
    ]


def test_zero_runners_create_nothing() -> None:
    """``count = 0`` creates nothing: no VM, registration, server group, security group or rule."""
    built = []
    doc = synth_stack(lambda s: built.append(_fleet(s, count=0)))
    assert _everything_under(doc, "runners") == []
    # Nor a rule on the bastion's side or anywhere else naming the runners.
    assert not [
        r for r in resources(doc, "openstack_networking_secgroup_rule_v2").values() if "runner" in json.dumps(r)
    ]
    assert (built[0].security_group, built[0].connections, built[0].resource) == (None, None, None)
    # The same fleet with one runner does create them: the check above can fail.
    doc = synth_stack(lambda s: _fleet(s, count=1))
    made = _everything_under(doc, "runners")
    assert any(m.startswith("openstack_networking_secgroup_v2.") for m in made), made
    assert any(m.startswith("openstack_networking_secgroup_rule_v2.") for m in made), made


def test_zero_runners_leave_a_given_security_group_untouched() -> None:
    from constructs_lib import SecurityGroup

    def build(stack):
        shared = SecurityGroup(stack, "shared", name="shared", egress_cidrs=["10.0.0.0/8"])
        before = len(shared.node.children)
        fleet = _fleet(stack, count=0, security_group=shared)
        assert fleet.security_group is shared and len(shared.node.children) == before

    doc = synth_stack(build)
    assert _everything_under(doc, "runners") == []


@pytest.mark.parametrize(
    ("overrides", "argument"),
    [
        ({"project_id": 3}, "group_id/project_id"),
        ({"executor": "kubernetes"}, "executor"),
        ({"tags": ()}, "tags"),
        ({"count": -1}, "count"),
        ({"gitlab_url": "gitlab.example.com"}, "gitlab_url"),
    ],
)
def test_bad_runner_arguments(overrides, argument) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: _fleet(s, **overrides))
    assert err.value.argument == argument
    assert err.value.construct_path == "test/runners"


def _vms(doc: dict, prefix: str) -> list[dict]:
    return [vm for name, vm in resources(doc, "openstack_compute_instance_v2").items() if name.startswith(prefix)]


def test_vms_boot_from_the_flavor_disk_by_default() -> None:
    doc = synth_stack(_fleet)
    for vm in _vms(doc, ""):
        assert vm["image_name"] == "i"
        assert "block_device" not in vm and "availability_zone" not in vm
    assert "openstack_images_image_v2" not in doc.get("data", {})


def test_bastion_boots_from_a_volume_in_the_zone() -> None:
    doc = synth_stack(
        lambda s: _bastion(s, boot_volume_size=10, boot_volume_type="fast.ru-7a", availability_zone="ru-7a")
    )
    (vm,) = _vms(doc, "bastion")
    ((image_id, image),) = doc["data"]["openstack_images_image_v2"].items()
    assert image["name"] == "i" and image["most_recent"] is True
    assert vm["block_device"] == [
        {
            "uuid": f"${{data.openstack_images_image_v2.{image_id}.id}}",
            "source_type": "image",
            "destination_type": "volume",
            "volume_size": 10,
            "volume_type": "fast.ru-7a",
            "boot_index": 0,
            "delete_on_termination": True,
        }
    ]
    assert "image_name" not in vm
    assert vm["availability_zone"] == "ru-7a"


def test_runners_share_one_image_look_up_and_boot_from_volumes() -> None:
    doc = synth_stack(lambda s: _fleet(s, count=3, boot_volume_size=50, availability_zone="ru-7b"))
    runners = _vms(doc, "runners")
    assert len(runners) == 3
    (image_id,) = [k for k in doc["data"]["openstack_images_image_v2"] if k.startswith("runners")]
    for vm in runners:
        (device,) = vm["block_device"]
        assert device["uuid"] == f"${{data.openstack_images_image_v2.{image_id}.id}}"
        assert (device["volume_size"], device["boot_index"], device["delete_on_termination"]) == (50, 0, True)
        assert "volume_type" not in device
        assert vm["availability_zone"] == "ru-7b"
    (bastion,) = _vms(doc, "bastion")
    assert "block_device" not in bastion and bastion["image_name"] == "i"


def test_an_environment_places_and_boots_its_vms(env_dir, tmp_path) -> None:
    import json

    from stacks.app import synth
    from tests._env_edit import set_or_add

    directory = env_dir(
        "ha",
        (
            set_or_add("ha", "openstack {", "availability_zone", '"ru-7a"'),
            set_or_add("ha", "bastion {", "boot_volume_size", "10"),
            set_or_add("ha", "bastion {", "boot_volume_type", '"fast.ru-7a"'),
        ),
    )
    text = (directory / "ha.hcl").read_text()
    # the runners of ha.hcl keep what the file says; here they boot from their flavor's disk
    for key in ("boot_volume_size", "boot_volume_type"):
        lines = text.splitlines()
        found = [n for n, line in enumerate(lines) if line.strip().startswith(key)]
        if len(found) > 1:
            del lines[found[1]]
        text = "\n".join(lines) + "\n"
    (directory / "ha.hcl").write_text(text)
    out = tmp_path / "cdktf.out"
    synth(directory, out, ["ha"])
    doc = json.loads((out / "stacks" / "ha-infra" / "cdk.tf.json").read_text())
    (bastion,) = _vms(doc, "bastion")
    assert bastion["availability_zone"] == "ru-7a"
    assert bastion["block_device"][0]["volume_size"] == 10
    assert bastion["block_device"][0]["volume_type"] == "fast.ru-7a"
    runners = _vms(doc, "runners")
    assert runners and all(vm["availability_zone"] == "ru-7a" for vm in runners)
    assert all("block_device" not in vm and vm["image_name"] for vm in runners)


def test_vms_take_an_existing_security_group_extra_cloud_init_and_a_provider() -> None:
    from cdktf_cdktf_provider_openstack.provider import OpenstackProvider

    from constructs_lib import SecurityGroup

    def build(stack):
        other = OpenstackProvider(stack, "other", alias="other")
        network, keypair = _base(stack)
        shared = SecurityGroup(stack, "shared", name="shared", egress_cidrs=network.egress_cidrs)
        Bastion(
            stack,
            "bastion",
            network=network,
            keypair=keypair,
            flavor="f",
            image="i",
            ssh_allowed_cidrs=["198.51.100.0/24"],
            security_group=shared,
            extra_files=[{"path": "/etc/motd", "content": "bastion of team a\n"}],
            extra_commands=["echo ready"],
            provider=other,
        )

    doc = synth_stack(build)
    (instance,) = resources(doc, "openstack_compute_instance_v2").values()
    assert instance["provider"] == "openstack.other"
    assert "/etc/motd" in instance["user_data"] and "- echo ready" in instance["user_data"]
    # No group of its own: the SSH rule went to the shared one.
    assert len(resources(doc, "openstack_networking_secgroup_v2")) == 1
    (rule,) = _ingress(doc)
    assert rule["security_group_id"].startswith("${openstack_networking_secgroup_v2.shared")


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"security_group": "sg-1"}, "security_group"),
        ({"extra_files": {"path": "/x", "content": "y"}}, "extra_files"),
        ({"extra_files": [{"path": "relative", "content": "y"}]}, "extra_files.path"),
        ({"extra_files": [{"path": "/x", "content": "${var.secret}"}]}, "extra_files.content"),
        ({"extra_commands": "reboot"}, "extra_commands"),
        ({"provider": "openstack"}, "provider"),
    ],
)
def test_bad_escape_hatches(kwargs, argument) -> None:
    with pytest.raises(ConstructArgumentError) as err:
        synth_stack(lambda s: _bastion(s, **kwargs))
    assert err.value.argument == argument
