# A private OpenStack cloud whose Magnum runs the Cluster API Helm driver (StackHPC
# magnum-capi-helm): 3 masters behind a private API load balancer, dedicated system and
# frontend nodes, a bastion, state in the cloud's own S3 (Ceph RGW).
#
# The driver takes the Kubernetes version from the node image's kube_version property (a
# plan-time check compares it with kubernetes_version below) and runs the cloud controller,
# Cinder CSI and metrics-server itself. Magnum cannot taint nodes: the platform stack labels
# and taints the system and frontend nodes after they join (see README, "Node roles").

description = "Private cloud, Magnum with the Cluster API Helm driver"

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
    cidr        = "10.40.0.0/22"
    dns_servers = ["10.0.0.53"]
  }
}

bastion {
  flavor            = "m1.small"
  image             = "ubuntu-24.04"
  ssh_allowed_cidrs = ["198.51.100.0/24"]
}

cluster {
  driver             = "magnum-capi-helm"
  kubernetes_version = "1.36.1"
  image              = "ubuntu-jammy-kube-v1.36.1" # must carry the property kube_version=v1.36.1
  master_flavor      = "m1.medium"
  worker_flavor      = "m1.large"
  master_count       = 3 # the API gets an Octavia load balancer, reachable from the subnet only
  worker_count       = 2 # Magnum's default-worker group (role "worker")
  network_driver     = "calico"
  # Labels the driver reads (others are refused as typos). Magnum copies them into the
  # cluster when it creates it: changing one later replaces the cluster, while a new
  # kubernetes_version and image move it through Magnum's upgrade API.
  labels = {
    octavia_provider = "ovn"
  }
}

node_group "system" {
  role   = "system"
  flavor = "m1.large"
  count  = 1
}

node_group "frontend" {
  role      = "frontend"
  flavor    = "m1.medium"
  count     = 2
  min_count = 2
  max_count = 4 # the cluster autoscaler is turned on for the cluster
}

addon "kube-prometheus-stack" {
  enabled = true
  sensitive_values = {
    "grafana.adminPassword" = "grafana_admin_password"
  }
}
