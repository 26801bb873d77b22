/**
 * A seeded generator of realistic platform workspaces: namespaces with deployments, services,
 * default-deny, DNS, app-to-app, cross-namespace and ipBlock policies. Same seed, same bytes.
 */
import type { SourceFile } from '../../server/src/engine';
import { int, rng } from '../support/random';

export interface WorkspaceShape {
  namespaces: number;
  workloadsPerNamespace: number;
  /** Files per namespace (resources of a namespace are spread over them). */
  filesPerNamespace?: number;
  /** Instead: this many files in all, each holding whole namespaces (overrides filesPerNamespace). */
  files?: number;
  /** Add an Istio egress file: a ServiceEntry, the egress Gateway and a VirtualService with both legs. */
  istio?: boolean;
  /** Containers with environment and readiness probes, as real manifests have. */
  probes?: boolean;
  seed?: number;
}

const TIERS = ['web', 'web', 'web', 'api', 'api', 'api', 'api', 'db', 'db', 'db'];

function deployment(ns: string, name: string, tier: string, replicas: number, probes = false): string {
  const extra = probes
    ? `        env:
        - name: LOG_LEVEL
          value: info
        - name: UPSTREAM
          value: http://${name}.${ns}.svc.cluster.local
        readinessProbe:
          httpGet:
            path: /healthz
            port: http
          periodSeconds: 10
`
    : '';
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: ${ns}
  labels:
    app: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
        tier: ${tier}
    spec:
      containers:
      - name: ${name}
        image: registry.example.com/${ns}/${name}:1.0.${replicas}
        ports:
        - name: http
          containerPort: 8080
        - name: metrics
          containerPort: 9090
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
${extra}`;
}

function service(ns: string, name: string): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  selector:
    app: ${name}
  ports:
  - name: http
    port: 80
    targetPort: http
`;
}

function policies(ns: string, i: number, r: () => number, namespaces: number): string[] {
  const peerTeam = `t${int(r, 0, 19)}`;
  const net = int(r, 0, 49);
  return [
    `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: ${ns}
spec:
  podSelector: {}
  policyTypes:
  - Ingress
  - Egress
`,
    `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns
  namespace: ${ns}
spec:
  podSelector: {}
  policyTypes:
  - Egress
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
    ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
`,
    `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web-to-api
  namespace: ${ns}
spec:
  podSelector:
    matchLabels:
      tier: web
  policyTypes:
  - Egress
  egress:
  - to:
    - podSelector:
        matchLabels:
          tier: api
    ports:
    - port: http
`,
    `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-to-db
  namespace: ${ns}
spec:
  podSelector:
    matchLabels:
      tier: api
  policyTypes:
  - Egress
  egress:
  - to:
    - podSelector:
        matchLabels:
          tier: db
    ports:
    - port: 5432
`,
    `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ingress
  namespace: ${ns}
spec:
  podSelector:
    matchExpressions:
    - key: tier
      operator: In
      values: [api, db]
  ingress:
  - from:
    - podSelector:
        matchLabels:
          tier: web
    - podSelector:
        matchLabels:
          tier: api
  - from:
    - namespaceSelector:
        matchLabels:
          team: ${peerTeam}
      podSelector:
        matchLabels:
          tier: web
    ports:
    - port: http
`,
    `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-egress-partners
  namespace: ${ns}
spec:
  podSelector:
    matchLabels:
      tier: api
  policyTypes:
  - Egress
  egress:
  - to:
    - ipBlock:
        cidr: 10.${net}.0.0/16
        except:
        - 10.${net}.1.0/24
    ports:
    - port: 443
`,
  ].slice(0, i % namespaces === -1 ? 0 : 6);
}

/** The Istio egress gateway task: traffic to one external host leaves through the egress gateway. */
export const ISTIO_EGRESS = `apiVersion: v1
kind: Namespace
metadata:
  name: istio-system
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: istio-egressgateway
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: egressgateway
  template:
    metadata:
      labels:
        istio: egressgateway
    spec:
      containers:
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.26.0
        ports:
        - name: http2
          containerPort: 8080
        - name: https
          containerPort: 8443
---
apiVersion: v1
kind: Service
metadata:
  name: istio-egressgateway
  namespace: istio-system
spec:
  selector:
    istio: egressgateway
  ports:
  - name: http
    port: 80
    targetPort: 8080
  - name: https
    port: 443
    targetPort: 8443
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: partner-api
  namespace: istio-system
spec:
  hosts:
  - api.partner.example
  ports:
  - number: 80
    name: http-port
    protocol: HTTP
  resolution: DNS
  location: MESH_EXTERNAL
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istio-egressgateway
  namespace: istio-system
spec:
  selector:
    istio: egressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - api.partner.example
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: egressgateway-for-partner
  namespace: istio-system
spec:
  host: istio-egressgateway.istio-system.svc.cluster.local
  subsets:
  - name: partner
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: partner-through-egress-gateway
  namespace: istio-system
spec:
  hosts:
  - api.partner.example
  gateways:
  - istio-egressgateway
  - mesh
  http:
  - match:
    - gateways:
      - mesh
      port: 80
    route:
    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        subset: partner
        port:
          number: 80
  - match:
    - gateways:
      - istio-egressgateway
      port: 80
    route:
    - destination:
        host: api.partner.example
        port:
          number: 80
`;

/** The workspace of the performance targets: about 13,000 documents in 200 files, 5.7 MB, with Istio egress. */
export const TARGET_SHAPE: WorkspaceShape = { namespaces: 480, workloadsPerNamespace: 10, files: 198, istio: true, probes: true, seed: 7 };

/** A workspace of `namespaces` namespaces plus kube-system; returns files in a stable order. */
export function generateWorkspace(shape: WorkspaceShape): SourceFile[] {
  const r = rng(shape.seed ?? 42);
  const filesPerNs = shape.filesPerNamespace ?? 1;
  const files: SourceFile[] = [];
  files.push({
    uri: 'file:///bench/kube-system.yaml',
    text: [
      `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-system\n`,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: coredns\n  namespace: kube-system\nspec:\n  selector:\n    matchLabels:\n      k8s-app: kube-dns\n  template:\n    metadata:\n      labels:\n        k8s-app: kube-dns\n    spec:\n      containers:\n      - name: coredns\n        image: coredns/coredns:1.11.1\n        ports:\n        - name: dns\n          containerPort: 53\n          protocol: UDP\n        - name: dns-tcp\n          containerPort: 53\n`,
    ].join('---\n'),
  });
  const perNamespace: string[][] = [];
  for (let i = 0; i < shape.namespaces; i++) {
    const ns = `ns-${String(i).padStart(3, '0')}`;
    const docs: string[] = [`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels:\n    team: t${i % 20}\n    env: ${i % 3 === 0 ? 'prod' : 'dev'}\n`];
    for (let j = 0; j < shape.workloadsPerNamespace; j++) {
      const name = `svc-${j}`;
      docs.push(deployment(ns, name, TIERS[j % TIERS.length], int(r, 1, 5), shape.probes));
      docs.push(service(ns, name));
    }
    docs.push(...policies(ns, i, r, shape.namespaces));
    if (shape.files !== undefined) {
      perNamespace.push(docs);
      continue;
    }
    const per = Math.ceil(docs.length / filesPerNs);
    for (let f = 0; f < filesPerNs; f++) {
      const chunk = docs.slice(f * per, (f + 1) * per);
      if (chunk.length > 0) files.push({ uri: `file:///bench/${ns}/part-${f}.yaml`, text: chunk.join('---\n') });
    }
  }
  if (shape.files !== undefined) {
    // Whole namespaces per file, consecutive ones together (as teams keep their manifests).
    const count = Math.max(1, Math.min(shape.files, perNamespace.length));
    for (let f = 0; f < count; f++) {
      const docs = perNamespace.slice(Math.floor((f * perNamespace.length) / count), Math.floor(((f + 1) * perNamespace.length) / count)).flat();
      files.push({ uri: `file:///bench/teams/team-${String(f).padStart(3, '0')}.yaml`, text: docs.join('---\n') });
    }
  }
  if (shape.istio) files.push({ uri: 'file:///bench/istio-egress.yaml', text: ISTIO_EGRESS });
  return files;
}
