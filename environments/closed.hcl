# A closed contour: an on-prem OpenStack with no internet. No router, no floating IPs and no
# public load balancer; every chart, image and runner job image comes from the internal
# registry, filled beforehand with `platformctl mirror` (see README, "Closed contours").
# Magnum runs the Vexxhost Cluster API driver, which can pull its own system images from the
# internal registry too. Magnum still needs the contour's provider network by name (see the
# cluster block) and the subnet's DNS servers.

description = "Closed contour: everything from the internal registry"

openstack {
  region   = "RegionOne"
  auth_url = "https://keystone.contour.internal:5000/v3"
  # no external_network: no router, no floating IPs (the cluster block names the provider network)
}

backend {
  kind     = "s3"
  bucket   = "platform-terraform-state"
  endpoint = "https://s3.contour.internal"
  region   = "RegionOne"
}

access {
  ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Vbw2SmHb4vJ7cfX2hKqV0M0QvSx8Rt3wq4hN8kYJv platform-admins"
}

network {
  subnet "nodes" {
    cidr        = "10.50.0.0/22"
    dns_servers = ["10.50.255.53"] # also the cluster template's dns_nameserver (magnum-cluster-api needs it)
  }
  egress_cidrs = ["10.0.0.0/8"] # the contour's own ranges; there is nothing outside
}

# GitLab inside the contour; job images default to <registry>/library/alpine:3.
runners {
  count      = 1
  flavor     = "m1.large"
  image      = "gitlab-runner-docker-ubuntu-24.04"
  gitlab_url = "https://gitlab.contour.internal"
  group_id   = 7
}

cluster {
  driver                = "magnum-cluster-api"
  kubernetes_version    = "1.36.1"
  image                 = "ubuntu-2404-kube-v1.36.1"
  master_flavor         = "m1.medium"
  worker_flavor         = "m1.large"
  master_count          = 3
  worker_count          = 2
  system_image_registry = "harbor.contour.internal/platform/magnum" # the driver's own images, in its layout
  # The contour's provider network (router:external) that load balancer addresses come from:
  # every Magnum driver looks it up and fails without one. Nothing is built for it here.
  external_network = "provider-lb"
}

node_group "system" {
  role   = "system"
  flavor = "m1.large"
  count  = 1
}

platform {
  registry      = "harbor.contour.internal/platform" # charts from oci://<registry>/charts, images from <registry>/...
  registry_auth = true                               # TF_VAR_registry_username / TF_VAR_registry_password
}
