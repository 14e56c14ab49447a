# A self-managed cluster on a plain OpenStack cloud (no Magnum): the control plane runs as
# pods of an existing management cluster with Kamaji (its state in PostgreSQL through kine),
# the workers are Flatcar VMs that join with a short-lived bootstrap token (see README,
# "Self-managed clusters (kamaji)").
#
# The management cluster is not built here: it is reached with the kubeconfig file below,
# runs Kamaji 26.8.2-edge and cert-manager, and its OpenStack cloud controller must reach this
# network (the API load balancer takes the fixed address below). The DataStore's login is read
# from a Secret that already exists there. Images come through the internal registry (nodes
# pull through it as a mirror; charts' images are rewritten to it).

description = "Kamaji control plane in a management cluster, Flatcar workers"

openstack {
  region           = "RegionOne"
  auth_url         = "https://keystone.cloud.example.internal:5000/v3"
  external_network = "public"
}

backend {
  kind     = "s3"
  bucket   = "platform-terraform-state"
  endpoint = "https://rgw.cloud.example.internal"
  region   = "RegionOne"
}

access {
  ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Vbw2SmHb4vJ7cfX2hKqV0M0QvSx8Rt3wq4hN8kYJv platform-admins"
}

network {
  subnet "nodes" {
    cidr        = "10.60.0.0/22"
    dns_servers = ["10.0.0.53"]
  }
}

cluster {
  driver             = "kamaji"
  kubernetes_version = "1.36.2" # at most what Kamaji 26.8.2-edge accepts (1.36.x)
  management {
    kubeconfig_path = "~/.kube/kamaji-management" # the file, never its content
    namespace       = "tenants"                   # must exist in the management cluster
  }
  datastore {
    name      = "platform-postgresql"
    driver    = "PostgreSQL"
    endpoints = ["postgresql.db.example.internal:5432"]
    username  = { secret = "platform-postgresql", namespace = "kamaji-system", key = "username" }
    password  = { secret = "platform-postgresql", namespace = "kamaji-system", key = "password" }
  }
  api_address       = "10.60.0.10"        # fixed at plan time: workers' config never waits on the load balancer
  api_allowed_cidrs = ["198.51.100.0/24"] # who else reaches the API (the nodes' subnet always does)
  image             = "flatcar-stable"    # Flatcar's OpenStack image (Ignition 2.14 or newer)
  sysext {
    version  = "1.36.2"
    sha256   = "9f3c2b1a0e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b" # a placeholder: the SHA256SUMS line of the image you serve
    base_url = "https://artifacts.cloud.example.internal/flatcar/extensions"
  }
}

node_group "system" {
  role             = "system"
  flavor           = "m1.large"
  count            = 2
  boot_volume_size = 40
}

node_group "frontend" {
  role             = "frontend"
  flavor           = "m1.medium"
  count            = 2
  boot_volume_size = 30
}

node_group "worker" {
  role             = "worker"
  flavor           = "m1.xlarge"
  count            = 3
  boot_volume_size = 60
}

platform {
  image_registry = "harbor.cloud.example.internal/platform" # node mirrors and chart images; charts stay public
}

# The CNI is the catalog's calico addon, which the kamaji driver turns on: its IP pool is the
# TenantControlPlane's pod range (10.244.0.0/16), VXLAN beside Kamaji's kube-proxy, and every
# other addon waits for it.

# CI deploys with werf using the job's GitLab ID token, people sign in through Dex (GitLab
# upstream): the tenant's API server trusts both issuers through a structured
# AuthenticationConfiguration (only jobs of protected refs; see README, "CI deploy access").
ci_deploy {
  gitlab_url = "https://gitlab.cloud.example.internal"
  audience   = "kubernetes-kamaji"
  target "billing" {
    namespace = "billing"
    projects  = ["shop/billing"]
    branches  = ["main"]
  }
}

people {
  issuer_url = "https://dex.cloud.example.internal" # Dex, published over https; the API server fetches its keys
  client_id  = "kubectl"
  groups = {
    "platform-admins" = "cluster-admin"
    "developers"      = "view"
  }
  dex = { gitlab_url = "https://gitlab.cloud.example.internal", gitlab_groups = ["platform-admins", "developers"] }
}
