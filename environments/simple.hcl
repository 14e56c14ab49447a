# A small environment: one master, workers only, no runners.
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
  region           = "ru-1"
  auth_url         = "https://cloud.api.selcloud.ru/identity/v3"
  external_network = "external-network" # omit in a closed contour: no router, no floating IPs
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
    cidr        = "10.10.0.0/22"
    dns_servers = ["188.93.16.19", "188.93.17.19"]
  }
}

# No bastion block: this environment has no bastion (reach the API through a VPN).
# No runners block: no GitLab runners.

cluster {
  kubernetes_version = "v1.30.4"
  image              = "fedora-coreos-40"
  master_flavor      = "SL1.2-4096"
  worker_flavor      = "SL1.2-4096"
  master_count       = 1 # 1, 3 or 5
  worker_count       = 2 # Magnum's default-worker group (role "worker")
}

# The catalog's defaults apply: cloud-controller-manager, Cinder CSI, cert-manager,
# metrics-server and traefik are on, kube-prometheus-stack is off.
