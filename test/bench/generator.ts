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
  seed?: number;
}

const TIERS = ['web', 'web', 'web', 'api', 'api', 'api', 'api', 'db', 'db', 'db'];

function deployment(ns: string, name: string, tier: string, replicas: number): string {
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
`;
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
  for (let i = 0; i < shape.namespaces; i++) {
    const ns = `ns-${String(i).padStart(3, '0')}`;
    const docs: string[] = [`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n  labels:\n    team: t${i % 20}\n    env: ${i % 3 === 0 ? 'prod' : 'dev'}\n`];
    for (let j = 0; j < shape.workloadsPerNamespace; j++) {
      const name = `svc-${j}`;
      docs.push(deployment(ns, name, TIERS[j % TIERS.length], int(r, 1, 5)));
      docs.push(service(ns, name));
    }
    docs.push(...policies(ns, i, r, shape.namespaces));
    const per = Math.ceil(docs.length / filesPerNs);
    for (let f = 0; f < filesPerNs; f++) {
      const chunk = docs.slice(f * per, (f + 1) * per);
      if (chunk.length > 0) files.push({ uri: `file:///bench/${ns}/part-${f}.yaml`, text: chunk.join('---\n') });
    }
  }
  return files;
}
