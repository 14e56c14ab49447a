# A highly available environment on Selectel Managed Kubernetes: an HA control plane,
# dedicated system and frontend nodes, autoscaled workers, 2 GitLab runners and a bastion.
#
# Every file in environments/ is one environment; its name is the file name ("ha"), and the
# app builds two stacks from it: ha-infra and ha-platform. Unknown keys are errors.
# Credentials never go here: OpenStack reads OS_* variables (or clouds.yaml), the state
# bucket AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, GitLab GITLAB_TOKEN, secrets TF_VAR_*.

description = "Production: HA control plane, dedicated system and frontend nodes"

openstack {
  region            = "ru-7"
  auth_url          = "https://cloud.api.selcloud.ru/identity/v3"
  external_network  = "external-network"
  availability_zone = "ru-7a" # VMs and node groups go here unless a block says otherwise
}
# State bucket, set up once with `platformctl bootstrap-state ha` (versioning, no public access).
backend {
  kind     = "s3"
  bucket   = "platform-terraform-state"
  endpoint = "https://s3.ru-1.storage.selcloud.ru"
  region   = "ru-1" # noncurrent_version_days = 90 (default; 7-3650): days replaced state versions are kept
}

access {
  ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Vbw2SmHb4vJ7cfX2hKqV0M0QvSx8Rt3wq4hN8kYJv platform-admins"
}

network {
  subnet "nodes" {
    cidr        = "10.20.0.0/22"
    dns_servers = ["188.93.16.19", "188.93.17.19"]
    # DHCP hands out only this range; the rest is kept for fixed addresses.
    allocation_pool = { start = "10.20.0.10", end = "10.20.3.200" }
  }
}

# The only VM with a public address. SSH is allowed from these networks only; with an empty
# list no SSH rule is written at all (there is no default, and never 0.0.0.0/0).
bastion {
  flavor            = "SL1.1-1024"
  image             = "Ubuntu 24.04 LTS 64-bit"
  ssh_allowed_cidrs = ["203.0.113.0/24"]
  ssh_user          = "ubuntu"
  boot_volume_size  = 10           # Selectel's SL1 flavors have no local disk:
  boot_volume_type  = "fast.ru-7a" # boot from a network volume of the zone
}

# GitLab runner VMs: private, spread over hypervisors, SSH only from the bastion.
# Each is registered through the GitLab API (GITLAB_TOKEN at deploy time); its token goes to
# the VM through cloud-init as a Terraform reference, never as text in this repository.
runners {
  count       = 2
  flavor      = "SL1.4-8192"
  image       = "gitlab-runner-docker-ubuntu-24.04" # an image with gitlab-runner and Docker
  gitlab_url  = "https://gitlab.example.com"
  group_id    = 42
  tags        = ["werf", "docker"]
  concurrency = 4
  executor    = "docker"
  boot_volume_size = 50
  boot_volume_type = "fast.ru-7a"
}

# Selectel Managed Kubernetes builds the cluster (driver "selectel-mks"; Magnum clouds use
# "magnum-capi-helm", "magnum-cluster-api" or "magnum-heat", see environments/magnum.hcl).
# MKS runs the cloud controller, Cinder CSI and metrics-server itself: the platform stack does
# not install them again. Credentials: OS_USERNAME, OS_PASSWORD, OS_DOMAIN_NAME at deploy time.
cluster {
  driver                   = "selectel-mks"
  kubernetes_version       = "1.36"              # the newest 1.36 patch MKS offers, read at plan time; "1.36.1" pins
  control_plane            = "high-availability" # 3 masters; "basic" is 1
  maintenance_window_start = "01:00:00"          # UTC; MKS repairs nodes and applies patch releases then
  # MKS trusts one OIDC issuer: GitLab, for CI jobs' ID tokens (user name = their sub claim) and
  # for people (kubectl login through the GitLab application whose id is client_id; groups =
  # groups_direct). Must match ci_deploy and people below (checked when the file is loaded).
  oidc = {
    issuer_url     = "https://gitlab.example.com"
    client_id      = "kubernetes-ha"
    username_claim = "sub"
    groups_claim   = "groups_direct"
  }
}

# Node groups. role is system, frontend, worker or a custom one. Every node carries the
# label node-role.deckhouse.io/<role>; system and frontend nodes also carry the taint
# dedicated.deckhouse.io=<role>:NoExecute from the moment they join. Nodes boot from a
# network volume of volume_size GB (volume_type, default fast.<zone>), or from the flavor's
# local disk with local_volume = true. GPU flavors: install_nvidia_device_plugin = true.
node_group "system" {
  role        = "system"
  flavor      = "SL1.4-16384"
  count       = 1
  volume_size = 64
  volume_type = "fast.ru-7a"
}

node_group "frontend" {
  role        = "frontend"
  cpus        = 2 # CPU and RAM instead of a flavor
  ram_mb      = 8192
  volume_size = 32 # GB; the boot volume is a network volume (fast.ru-7a by default)
  count       = 2
  min_count   = 2
  max_count   = 4 # min_count <= count <= max_count: the autoscaler works between them
}

node_group "workers" {
  role        = "worker"
  flavor      = "SL1.4-16384"
  volume_size = 64 # MKS needs it unless the group has a flavor and local_volume = true
  count       = 2
  min_count   = 2
  max_count   = 6
}

# Addons run with two replicas and a PodDisruptionBudget where the chart allows it.
platform {
  ha = true
}

# The frontend load balancer is private unless said otherwise: here it is public, for the
# networks listed. Values deep-merge over the catalog's defaults.
addon "traefik" {
  values = {
    service = {
      annotations = {
        "service.beta.kubernetes.io/openstack-internal-load-balancer" = "false"
      }
      spec = {
        loadBalancerSourceRanges = ["0.0.0.0/0"]
      }
    }
  }
}

addon "kube-prometheus-stack" {
  enabled = true
  # Grafana's admin password comes from the sensitive variable TF_VAR_grafana_admin_password.
  sensitive_values = {
    "grafana.adminPassword" = "grafana_admin_password"
  }
}

# Any chart beside the catalog, installed after what it depends on.
helm_release "podinfo" {
  repository = "https://stefanprodan.github.io/podinfo"
  chart      = "podinfo"
  version    = "6.7.1"
  namespace  = "podinfo"
  depends_on = ["traefik"]
  values = {
    replicaCount = 2
  }
}

# GitOps: Argo CD (the argo-cd addon, on the system nodes) pulls these werf bundles from the
# registry and keeps them in sync (prune, self-heal). Its read-only login comes from
# TF_VAR_gitops_registry_username and TF_VAR_gitops_registry_password.
gitops {
  registry = "registry.example.com/bundles"
  application "shop" {
    namespace = "shop"
    chart     = "oci://registry.example.com/bundles/shop"
    version   = "1.4.2"
  }
  application "catalog" {
    namespace = "catalog"
    # Pinned by digest: what runs cannot change under the same tag.
    chart = "oci://registry.example.com/bundles/catalog@sha256:4f1c1a1bd0f3b4a4b7a3e2b1c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6"
  }
}

# CI deploys with werf using the job's GitLab ID token (no kubeconfig in CI): a Role in each
# namespace, bound to the exact jobs of these projects' protected branches, nothing cluster-wide.
ci_deploy {
  gitlab_url = "https://gitlab.example.com"
  audience   = "kubernetes-ha" # = cluster.oidc.client_id on MKS
  target "billing" {
    namespace = "billing"
    projects  = ["shop/billing"]
    branches  = ["main"] # protect them in GitLab: anyone who can push to them can deploy
  }
}

# People sign in through GitLab (kubectl oidc-login); GitLab groups get ClusterRoles.
people {
  issuer_url   = "https://gitlab.example.com"
  client_id    = "kubernetes-ha"
  groups_claim = "groups_direct"
  groups = {
    "platform-admins" = "cluster-admin"
    "developers"      = "view"
  }
}
