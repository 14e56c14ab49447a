"""Bastion's argument checks and the VM checks it shares with the runners, apart from the
build: plain Python, tested without jsii."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any

import pytest

from constructs_lib.bastion_arguments import check_arguments, host_patterns
from constructs_lib.errors import ConstructArgumentError
from constructs_lib.server_arguments import BootVolume, PartTypes


@dataclass
class FakeNetwork:
    name: str = "demo"
    is_closed: bool = False
    subnet_cidrs: dict[str, str] = field(default_factory=lambda: {"nodes": "10.0.0.0/24", "v6": "fd00::/64"})


class FakeKeypair:
    pass


class FakeGroup:
    pass


class FakePeer:
    pass


TYPES = PartTypes(network=FakeNetwork, keypair=FakeKeypair, security_group=FakeGroup, peer=(FakeGroup, FakePeer))


def arguments(**changes: Any) -> dict[str, Any]:
    given: dict[str, Any] = {
        "types": TYPES,
        "network": FakeNetwork(),
        "keypair": FakeKeypair(),
        "flavor": "m1",
        "image": "ubuntu",
        "ssh_allowed_cidrs": ["192.0.2.0/24"],
        "ssh_user": "ubuntu",
        "floating_ip": None,
        "name": None,
        "boot_volume_size": None,
        "boot_volume_type": None,
        "availability_zone": None,
        "security_group": None,
        "extra_files": (),
        "extra_commands": (),
        "provider": None,
    }
    given.update(changes)
    return given


def test_the_check_modules_import_without_cdktf() -> None:
    code = (
        "import sys\n"
        "for name in ('cdktf', 'constructs', 'jsii', 'cdktf_cdktf_provider_openstack'):\n"
        "    sys.modules[name] = None\n"
        "import constructs_lib.bastion_arguments, constructs_lib.server_arguments\n"
        "assert not any(k.split('.')[0] in ('cdktf', 'constructs', 'jsii') and v is not None\n"
        "               for k, v in sys.modules.items())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_defaults_follow_from_the_network() -> None:
    checked = check_arguments("stack/bastion", **arguments())
    assert checked.name == "demo-bastion"
    assert checked.floating_ip is True
    assert checked.boot_volume is None
    assert checked.ssh_allowed_cidrs == ("192.0.2.0/24",)
    # IPv4 subnets only: an IPv6 pattern would send every IPv6 host through the bastion.
    assert checked.private_host_patterns == tuple(host_patterns("10.0.0.0/24")) == ("10.0.0.*",)
    closed = check_arguments("stack/bastion", **arguments(network=FakeNetwork(is_closed=True)))
    assert closed.floating_ip is False


def test_placement_and_extras_are_checked_and_kept() -> None:
    group = FakeGroup()
    checked = check_arguments(
        "stack/bastion",
        **arguments(
            name="jump",
            boot_volume_size=20,
            boot_volume_type="fast.ru-7a",
            availability_zone="ru-7a",
            security_group=group,
            extra_files=[{"path": "/etc/motd", "content": "hi\n"}],
            extra_commands=["true"],
        ),
    )
    assert checked.name == "jump"
    assert checked.boot_volume == BootVolume(20, "fast.ru-7a")
    assert checked.extras.security_group is group
    assert checked.extras.files == [{"path": "/etc/motd", "permissions": "0644", "content": "hi\n"}]
    assert checked.extras.commands == ["true"]


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"network": object()}, "network"),
        ({"keypair": "k"}, "keypair"),
        ({"flavor": ""}, "flavor"),
        ({"image": "a\nb"}, "image"),
        ({"ssh_user": "Root"}, "ssh_user"),
        ({"name": " x"}, "name"),
        ({"availability_zone": "ru 7a"}, "availability_zone"),
        ({"boot_volume_type": "fast.ru-7a"}, "boot_volume_size"),
        ({"boot_volume_size": 0}, "boot_volume_size"),
        ({"security_group": "sg"}, "security_group"),
        ({"extra_files": "/etc/x"}, "extra_files"),
        ({"extra_commands": "reboot"}, "extra_commands"),
        ({"ssh_allowed_cidrs": "0.0.0.0/0"}, "ssh_allowed_cidrs"),
        ({"floating_ip": "yes"}, "floating_ip"),
        ({"floating_ip": True, "network": FakeNetwork(is_closed=True)}, "floating_ip"),
    ],
)
def test_each_mistake_is_one_argument_error(changes: dict[str, Any], argument: str) -> None:
    with pytest.raises(ConstructArgumentError) as raised:
        check_arguments("stack/bastion", **arguments(**changes))
    assert raised.value.argument == argument
    assert raised.value.construct_path == "stack/bastion"


@pytest.mark.parametrize(
    ("cidr", "inside", "outside"),
    [
        ("10.20.0.0/16", "10.20.255.1", "10.21.0.1"),
        ("10.20.0.0/22", "10.20.3.7", "10.20.4.7"),
        ("10.0.0.64/26", "10.0.0.127", "10.0.0.63"),
    ],
)
def test_host_patterns_match_exactly_the_subnet(cidr: str, inside: str, outside: str) -> None:
    import fnmatch

    patterns = host_patterns(cidr)
    assert any(fnmatch.fnmatchcase(inside, p.replace("[", "[[]")) for p in patterns)
    assert not any(fnmatch.fnmatchcase(outside, p.replace("[", "[[]")) for p in patterns)
