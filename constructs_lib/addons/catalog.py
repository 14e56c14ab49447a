"""The curated, pinned addon catalog.

Each chart spells node placement, replicas and image locations differently; the catalog
records, per chart, where those keys live so that environments only say *what* they want
(HA, a registry mirror, extra values). Versions are pinned; bumping one is a reviewed
change of this file and of the snapshots. Each entry records the Kubernetes minor versions
its chart version supports (``kubernetes``), from the chart's project; the evidence, with the
release and commit it was read at, is ``tests/fixtures/upstream/chart_kubernetes_support.json``,
which a test compares with this file. The cloud-provider-openstack charts follow the
Kubernetes minor they are built for (version skew policy), hence a single minor.

Frontend controller: ingress-nginx is retired (no releases since March 2026). Traefik is
maintained, serves both Ingress (so existing manifests keep working) and Gateway API, and
needs no CRDs for plain Ingress. Its chart stopped shipping the Gateway API CRDs in 40.2, so
the Gateway provider stays off until the cluster has them; turn it on with
``providers.kubernetesGateway.enabled``.
"""

from __future__ import annotations

from types import MappingProxyType

from ..node_roles import FRONTEND, SYSTEM, TAINT_KEY
from .release import ChartReference
from .spec import AddonSpec

CLOUD_PROVIDER_REPO = "https://kubernetes.github.io/cloud-provider-openstack"

#: The CNI of a bare cluster (the ``kamaji`` driver turns it on). Until it runs every node is
#: NotReady (``node.kubernetes.io/not-ready`` taint), so every other addon waits for it.
CNI_NAME = "calico"

#: Nodes of a cluster whose kubelets run with an external cloud provider carry the
#: ``node.cloudprovider.kubernetes.io/uninitialized`` taint until the cloud-controller-manager
#: initializes them, so every addon that schedules pods waits for it when it is installed
#: (and for the CNI, when the library installs one).
_AFTER_CLOUD_CONTROLLER = (CNI_NAME, "openstack-cloud-controller-manager")

#: Tolerate every taint: a CNI's pods must run on every node, tainted, NotReady or
#: uninitialized, or nothing else can.
_TOLERATE_ALL = ({"operator": "Exists"},)

CALICO = AddonSpec(
    name=CNI_NAME,
    kubernetes=("1.34", "1.36"),
    chart=ChartReference("https://docs.tigera.io/calico/charts", "tigera-operator", "v3.32.1"),
    namespace="tigera-operator",
    description=(
        "The CNI (Calico through its operator; VXLAN, IP pool on the cluster's pod range, beside"
        " Kamaji's kube-proxy); the kamaji driver turns it on and every other addon waits for it"
    ),
    # The operator and the Calico pods run everywhere: no role placement.
    role=None,
    values={
        # The chart passes `installation` whole as the operator.tigera.io/v1 Installation.
        "installation": {
            # The pool (calicoNetwork.ipPools) is the cluster's pod range, set per cluster.
            "calicoNetwork": {"bgp": "Disabled", "linuxDataplane": "Iptables"},
            # Flatcar's /usr is read-only: no FlexVolume driver (nor the CSI driver, off in the chart).
            "flexVolumePath": "None",
            "kubeletVolumePluginPath": "None",
            # Typha, kube-controllers and the API server run on any node, dedicated ones included.
            "controlPlaneTolerations": list(_TOLERATE_ALL),
            # calico-node on every node, whatever its taints (said here rather than left to the operator).
            "calicoNodeDaemonSet": {"spec": {"template": {"spec": {"tolerations": list(_TOLERATE_ALL)}}}},
        },
        # The operator itself (the chart tolerates NoSchedule and NoExecute taints; PreferNoSchedule too).
        "tolerations": list(_TOLERATE_ALL),
        # Flow logs and their UI are not part of a minimal CNI.
        "goldmane": {"enabled": False},
        "whisker": {"enabled": False},
    },
    # The operator chooses the Calico images from the Installation's registry (which must end
    # with a slash): <registry>calico/<name>.
    images={
        "tigeraOperator.registry": "{registry}",
        "calicoctl.image": "{registry}/calico/ctl",
        "installation.registry": "{registry}/",
    },
    enabled_by_default=False,
)

#: Secret written by the cloud-controller-manager chart and reused by Cinder CSI.
CLOUD_CONFIG_SECRET = "cloud-config"

OPENSTACK_CLOUD_CONTROLLER_MANAGER = AddonSpec(
    name="openstack-cloud-controller-manager",
    kubernetes=("1.36", "1.36"),
    chart=ChartReference(CLOUD_PROVIDER_REPO, "openstack-cloud-controller-manager", "2.36.0"),
    namespace="kube-system",
    description="Node lifecycle and Octavia load balancers for Services (turn off if the Magnum driver installs it)",
    # A DaemonSet on the control plane, as the chart ships it: keep its own placement.
    role=None,
    values={
        "secret": {"enabled": True, "create": True, "name": CLOUD_CONFIG_SECRET},
        "cloudConfig": {"loadBalancer": {"create-monitor": "true"}},
    },
    images={"image.repository": "{registry}/provider-os/openstack-cloud-controller-manager"},
    # Its pods are scheduled only on Ready nodes (not-ready taint): after the CNI, when installed.
    depends_on=(CNI_NAME,),
)

#: Values of the cloud controller on a cluster without control-plane nodes (a hosted control
#: plane: the ``kamaji`` driver). Chart 2.36.0 selects ``node-role.kubernetes.io/control-plane``
#: nodes, which such a cluster never has: the DaemonSet would run nowhere and every node would
#: keep the ``uninitialized`` taint. A null deletes the chart's key (Helm's merge), so it runs on
#: the nodes, those of dedicated roles included (their taint is tolerated).
CLOUD_CONTROLLER_WITHOUT_CONTROL_PLANE_NODES = MappingProxyType(
    {
        "nodeSelector": {"node-role.kubernetes.io/control-plane": None},
        "tolerations": [
            {"key": "node.cloudprovider.kubernetes.io/uninitialized", "value": "true", "effect": "NoSchedule"},
            {"key": TAINT_KEY, "operator": "Exists"},
        ],
    }
)

OPENSTACK_CINDER_CSI = AddonSpec(
    name="openstack-cinder-csi",
    kubernetes=("1.36", "1.36"),
    chart=ChartReference(CLOUD_PROVIDER_REPO, "openstack-cinder-csi", "2.36.0"),
    namespace="kube-system",
    description=(
        "Cinder volumes for PersistentVolumes, with the default StorageClass"
        " (turn off if the Magnum driver installs it)"
    ),
    role=SYSTEM,
    placement_paths=("csi.plugin.controllerPlugin",),
    values={
        # Reuse the cloud config the cloud-controller-manager chart writes.
        "secret": {"enabled": True, "create": False, "name": CLOUD_CONFIG_SECRET},
        "storageClass": {"enabled": True, "delete": {"isDefault": True}, "retain": {"isDefault": False}},
        # The node plugin must run on every node, tainted or not.
        "csi": {"plugin": {"nodePlugin": {"tolerations": [{"operator": "Exists"}]}}},
    },
    ha_replicas={"csi.plugin.controllerPlugin.replicas": 2},
    images={
        "csi.plugin.image.repository": "{registry}/provider-os/cinder-csi-plugin",
        "csi.attacher.image.repository": "{registry}/sig-storage/csi-attacher",
        "csi.provisioner.image.repository": "{registry}/sig-storage/csi-provisioner",
        "csi.snapshotter.image.repository": "{registry}/sig-storage/csi-snapshotter",
        "csi.resizer.image.repository": "{registry}/sig-storage/csi-resizer",
        "csi.livenessprobe.image.repository": "{registry}/sig-storage/livenessprobe",
        "csi.nodeDriverRegistrar.image.repository": "{registry}/sig-storage/csi-node-driver-registrar",
    },
    depends_on=_AFTER_CLOUD_CONTROLLER,
)

CERT_MANAGER = AddonSpec(
    name="cert-manager",
    kubernetes=("1.33", "1.36"),
    chart=ChartReference("https://charts.jetstack.io", "cert-manager", "v1.21.1"),
    namespace="cert-manager",
    description="Certificates (its values schema rejects unknown keys: typos fail the install)",
    role=SYSTEM,
    placement_paths=("", "webhook", "cainjector", "startupapicheck"),
    values={"crds": {"enabled": True, "keep": True}},
    ha_replicas={"replicaCount": 2, "webhook.replicaCount": 2, "cainjector.replicaCount": 2},
    ha_values={
        "podDisruptionBudget": {"enabled": True, "minAvailable": 1},
        "webhook": {"podDisruptionBudget": {"enabled": True, "minAvailable": 1}},
        "cainjector": {"podDisruptionBudget": {"enabled": True, "minAvailable": 1}},
    },
    images={"imageRegistry": "{registry}"},
    depends_on=_AFTER_CLOUD_CONTROLLER,
)

METRICS_SERVER = AddonSpec(
    name="metrics-server",
    kubernetes=("1.31", None),
    chart=ChartReference("https://kubernetes-sigs.github.io/metrics-server/", "metrics-server", "3.13.1"),
    namespace="kube-system",
    description="Resource metrics for kubectl top and the HorizontalPodAutoscaler",
    role=SYSTEM,
    ha_replicas={"replicas": 2},
    ha_values={"podDisruptionBudget": {"enabled": True, "minAvailable": 1}},
    images={
        "image.repository": "{registry}/metrics-server/metrics-server",
        "addonResizer.image.repository": "{registry}/autoscaling/addon-resizer",
    },
    depends_on=_AFTER_CLOUD_CONTROLLER,
)

#: The longest serving certificate the approver lets a kubelet ask for (30 days, as the
#: tenant's --cluster-signing-duration of the kamaji driver).
CSR_APPROVER_MAX_EXPIRATION_SECONDS = 30 * 24 * 3600

KUBELET_CSR_APPROVER = AddonSpec(
    name="kubelet-csr-approver",
    kubernetes=("1.19", None),
    chart=ChartReference("https://postfinance.github.io/kubelet-csr-approver", "kubelet-csr-approver", "1.2.14"),
    namespace="kube-system",
    description=(
        "Approves kubelet serving-certificate requests of the cluster's own nodes (names and addresses"
        " checked); the kamaji driver turns it on"
    ),
    role=SYSTEM,
    values={
        # providerRegex and providerIpPrefixes come from the cluster (its node names and subnet).
        "maxExpirationSeconds": str(CSR_APPROVER_MAX_EXPIRATION_SECONDS),
        # Nova names resolve nowhere by default: addresses are checked against the subnet instead.
        "bypassDnsResolution": True,
    },
    images={"image.repository": "{registry}/postfinance/kubelet-csr-approver"},
    depends_on=_AFTER_CLOUD_CONTROLLER,
    enabled_by_default=False,
)

TRAEFIK = AddonSpec(
    name="traefik",
    kubernetes=("1.34", None),
    chart=ChartReference("https://traefik.github.io/charts", "traefik", "41.3.0"),
    namespace="traefik",
    description="Ingress and Gateway API controller on the frontend nodes, behind an Octavia load balancer",
    role=FRONTEND,
    values={
        "service": {
            "spec": {"type": "LoadBalancer"},
            # Private by default: the load balancer gets no floating IP until the environment
            # says so and lists who may connect (service.spec.loadBalancerSourceRanges).
            "annotations": {"service.beta.kubernetes.io/openstack-internal-load-balancer": "true"},
        },
        "providers": {"kubernetesIngress": {"enabled": True}, "kubernetesGateway": {"enabled": False}},
        "ingressClass": {"enabled": True, "isDefaultClass": True},
    },
    ha_replicas={"deployment.replicas": 2},
    ha_values={"podDisruptionBudget": {"enabled": True, "minAvailable": 1}},
    images={
        "image.registry": "{registry}",
        # Marketplace image layouts, used only when their integration is turned on.
        "global.azure.images.proxy.registry": "{registry}/library",
        "global.azure.images.hub.registry": "{registry}/traefik",
        "oci_meta.repo": "{registry}/traefik",
    },
    depends_on=_AFTER_CLOUD_CONTROLLER,
)

KUBE_PROMETHEUS_STACK = AddonSpec(
    name="kube-prometheus-stack",
    kubernetes=("1.34", "1.36"),
    chart=ChartReference("https://prometheus-community.github.io/helm-charts", "kube-prometheus-stack", "88.5.3"),
    namespace="monitoring",
    description="Prometheus, Alertmanager, Grafana and exporters (optional)",
    role=SYSTEM,
    placement_paths=(
        "prometheus.prometheusSpec",
        "alertmanager.alertmanagerSpec",
        "prometheusOperator",
        "prometheusOperator.admissionWebhooks.patch",
        "grafana",
        "kube-state-metrics",
    ),
    values={
        # node-exporter must see every node, including tainted ones.
        "prometheus-node-exporter": {"tolerations": [{"operator": "Exists"}]},
        "prometheus": {
            "prometheusSpec": {
                "retention": "15d",
                "storageSpec": {
                    "volumeClaimTemplate": {
                        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}}}
                    }
                },
            }
        },
        "prometheusOperator": {"admissionWebhooks": {"certManager": {"enabled": True}}},
    },
    ha_replicas={"prometheus.prometheusSpec.replicas": 2, "alertmanager.alertmanagerSpec.replicas": 2},
    # Every template of the chart and of its subcharts honours global.imageRegistry at these
    # versions; each image's own key is set too so that a subchart bump that stops honouring
    # it still pulls from the mirror (tests/test_chart_images.py checks the list is whole).
    images={
        "global.imageRegistry": "{registry}",
        "alertmanager.alertmanagerSpec.image.registry": "{registry}",
        "prometheusOperator.admissionWebhooks.deployment.image.registry": "{registry}",
        "prometheusOperator.admissionWebhooks.patch.image.registry": "{registry}",
        "prometheusOperator.image.registry": "{registry}",
        "prometheusOperator.prometheusConfigReloader.image.registry": "{registry}",
        "prometheusOperator.thanosImage.registry": "{registry}",
        "prometheus.prometheusSpec.image.registry": "{registry}",
        "thanosRuler.thanosRulerSpec.image.registry": "{registry}",
        "crds.upgradeJob.image.busybox.registry": "{registry}",
        "crds.upgradeJob.image.kubectl.registry": "{registry}",
        "kube-state-metrics.image.registry": "{registry}",
        "kube-state-metrics.kubeRBACProxy.image.registry": "{registry}",
        "prometheus-node-exporter.image.registry": "{registry}",
        "prometheus-node-exporter.kubeRBACProxy.image.registry": "{registry}",
        "prometheus-node-exporter.permissionInitContainer.image.registry": "{registry}",
        "grafana.image.registry": "{registry}",
        "grafana.testFramework.image.registry": "{registry}",
        "grafana.downloadDashboardsImage.registry": "{registry}",
        "grafana.initChownData.image.registry": "{registry}",
        "grafana.sidecar.image.registry": "{registry}",
        "grafana.imageRenderer.image.registry": "{registry}",
        "prometheus-windows-exporter.image.registry": "{registry}",
    },
    depends_on=("openstack-cinder-csi", "cert-manager"),
    enabled_by_default=False,
)

ARGO_CD = AddonSpec(
    name="argo-cd",
    kubernetes=("1.25", None),
    chart=ChartReference("https://argoproj.github.io/argo-helm", "argo-cd", "10.1.1"),
    namespace="argocd",
    description=(
        "GitOps: Argo CD v3.4 pulls the environment's gitops applications (werf bundles, OCI Helm charts)"
        " from the registry (on when the environment lists any)"
    ),
    role=SYSTEM,
    placement_paths=(
        "controller",
        "server",
        "repoServer",
        "applicationSet",
        "notifications",
        "redis",
        "redisSecretInit",
        "commitServer",
    ),
    values={
        # People sign in to the cluster through the Dex addon; Argo CD's own Dex stays off.
        "dex": {"enabled": False},
    },
    # Redis stays a single cache pod: Argo CD recomputes what it holds (redis-ha is off).
    ha_replicas={"server.replicas": 2, "repoServer.replicas": 2, "applicationSet.replicas": 2},
    ha_values={
        "server": {"pdb": {"enabled": True, "minAvailable": 1}},
        "repoServer": {"pdb": {"enabled": True, "minAvailable": 1}},
        "applicationSet": {"pdb": {"enabled": True, "minAvailable": 1}},
    },
    # Every component without an image of its own runs global.image (quay.io/argoproj/argocd).
    images={
        "global.image.repository": "{registry}/argoproj/argocd",
        "redis.image.repository": "{registry}/docker/library/redis",
        "redis.exporter.image.repository": "{registry}/oliver006/redis_exporter",
        "dex.image.repository": "{registry}/dexidp/dex",
        "server.extensions.image.repository": "{registry}/argoprojlabs/argocd-extension-installer",
        "redis-ha.image.repository": "{registry}/docker/library/redis",
        "redis-ha.exporter.image": "{registry}/oliver006/redis_exporter",
        "redis-ha.haproxy.image.repository": "{registry}/docker/library/haproxy",
    },
    depends_on=_AFTER_CLOUD_CONTROLLER,
    enabled_by_default=False,
)

DEX = AddonSpec(
    name="dex",
    kubernetes=("1.14", None),
    chart=ChartReference("https://charts.dexidp.io", "dex", "0.24.0"),
    namespace="dex",
    description=(
        "OIDC issuer for people, with GitLab as its upstream connector (on when the environment's"
        " people block names it; needs an https address the API server reaches)"
    ),
    role=SYSTEM,
    values={
        "config": {
            # Dex keeps its state in its own CRDs: no database to run.
            "storage": {"type": "kubernetes", "config": {"inCluster": True}},
            "oauth2": {"skipApprovalScreen": True},
        },
    },
    ha_replicas={"replicaCount": 2},
    ha_values={"podDisruptionBudget": {"enabled": True, "minAvailable": 1}},
    images={"image.repository": "{registry}/dexidp/dex"},
    depends_on=_AFTER_CLOUD_CONTROLLER,
    enabled_by_default=False,
)

#: Every catalog addon by name, in a stable order.
CATALOG: MappingProxyType[str, AddonSpec] = MappingProxyType(
    {
        spec.name: spec
        for spec in (
            CALICO,
            OPENSTACK_CLOUD_CONTROLLER_MANAGER,
            OPENSTACK_CINDER_CSI,
            CERT_MANAGER,
            METRICS_SERVER,
            KUBELET_CSR_APPROVER,
            TRAEFIK,
            KUBE_PROMETHEUS_STACK,
            ARGO_CD,
            DEX,
        )
    }
)


def markdown_table() -> str:
    """The catalog as a Markdown table (kept in the README by scripts/update_readme.py)."""
    rows = [
        "| addon | chart | version | namespace | nodes | on by default | installed after |",
        "|---|---|---|---|---|---|---|",
    ]
    for spec in CATALOG.values():
        chart = spec.chart
        rows.append(
            f"| `{spec.name}` | `{chart.name}` from {chart.repository} | {chart.version} | {spec.namespace} "
            f"| {spec.role or 'chart default'} | {'yes' if spec.enabled_by_default else 'no'} "
            f"| {', '.join(spec.depends_on) or '-'} |"
        )
    return "\n".join(rows)
