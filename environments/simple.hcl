# A small environment on Selectel Managed Kubernetes: one master, workers only, no runners.
#
# Every file in environments/ is one environment; its name is the file name ("simple"), and
# the app builds two stacks from it: simple-infra and simple-platform.
# Unknown keys are errors, so a typo is caught at synth time, not at apply time.
# Credentials never go here: OpenStack reads OS_* variables (or clouds.yaml) at deploy time,
# the state bucket AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, and secrets are TF_VAR_* inputs.

description = "Single-master cluster for development"

# The cloud. auth_url is handed to the cloud-controller-manager (with an application
# credential given as TF_VAR_openstack_application_credential_id / _secret).
openstack {
  region            = "ru-7"
  auth_url          = "https://cloud.api.selcloud.ru/identity/v3"
  external_network  = "external-network" # omit in a closed contour: no router, no floating IPs
  availability_zone = "ru-7a"
}

# Remote state in S3-compatible storage, key "<env>/<stack>.tfstate"; set the bucket up (versioned,
# private) with `platformctl bootstrap-state simple`. kind = "local": state files (experiments only).
backend {
  kind     = "s3"
  bucket   = "platform-terraform-state"
  endpoint = "https://s3.ru-1.storage.selcloud.ru"
  region   = "ru-1" # optional: noncurrent_version_days = 90 (7-3650), days old state versions are kept
}

# The public key allowed on every VM and node. Only the public half is ever handled.
access {
  ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB0Vbw2SmHb4vJ7cfX2hKqV0M0QvSx8Rt3wq4hN8kYJv platform-admins"
}

# One private network; each labeled subnet block is a subnet, the first is where VMs go.
network {
  subnet "nodes" {
    cidr        = "10.30.0.0/22" # not in 10.10.0.0/16, 10.96.0.0/12, 10.250.0.0/16, 10.251.0.0/24 (MKS uses them)
    dns_servers = ["188.93.16.19", "188.93.17.19"]
  }
}

# No bastion block: this environment has no bastion (reach the API through a VPN).
# No runners block: no GitLab runners.

cluster {
  driver             = "selectel-mks"
  kubernetes_version = "1.36" # the newest 1.36 patch MKS offers, read at plan time; "1.36.1" pins one
  control_plane      = "basic" # one master (MKS then applies no patch releases by itself)
}

node_group "workers" {
  role        = "worker"
  flavor      = "SL1.2-4096"
  volume_size = 32 # GB of network boot volume (fast.ru-7a); MKS needs it unless local_volume = true
  count       = 2
}

# The catalog's defaults apply: cert-manager and traefik are installed, kube-prometheus-stack
# is off; the cloud controller, Cinder CSI and metrics-server come with MKS.
