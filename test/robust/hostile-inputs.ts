/**
 * Hostile and odd inputs, with what each must produce. Shared by the engine, CLI and server tests:
 * every surface gets the same files and must stay up and answer.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { corpusDir } from '../conformance/corpus';
import { examplesDir } from '../support/workspace';

export interface HostileFile {
  /** Path inside the test workspace. */
  file: string;
  content: string | Buffer;
  /** The findings the file must get, each as `ID` or `ID:text in the message`. An empty list: none. */
  expect: string[];
  /** Rule ids that may come on top of `expect` (broken YAML may be reported more than once). */
  allow?: string[];
  /**
   * The findings in the whole workspace's views (the CLI and the server), where they differ from the file
   * alone: the Kustomize folder is a view of its own, rendered, and the chart is not rendered (no helm).
   */
  inViews?: string[];
}

/** The classic billion laughs: 9 levels of 9 aliases, 387,420,489 strings once expanded. */
export function billionLaughs(levels = 9): string {
  let text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
  for (let i = 1; i < levels; i++) {
    const prev = String.fromCharCode(96 + i);
    const name = String.fromCharCode(97 + i);
    text += `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
  }
  return text;
}

/** A NetworkPolicy whose egress rules nest `depth` levels deep. */
export function deepPolicy(depth: number): string {
  return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deep, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress: ${'['.repeat(depth)}{}${']'.repeat(depth)}\n`;
}

/** A manifest of about `bytes` characters: the examples' policies repeated as separate documents. */
export function largeManifest(bytes: number): string {
  const unit = readFileSync(path.join(examplesDir, 'payments/payments.yaml'), 'utf8');
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const part = unit.replace(/namespace: payments/g, `namespace: payments-${i}`).replace(/name: payments\n/, `name: payments-${i}\n`);
    parts.push(part);
    size += part.length + 5;
  }
  return parts.join('\n---\n');
}

const POLICY = readFileSync(path.join(examplesDir, 'shop/foo-deny-egress.yaml'), 'utf8');
/** The example policy in a namespace of its own, so that files analysed together do not meet. */
export const policyIn = (namespace: string): string => POLICY.replace(/namespace: shop/g, `namespace: ${namespace}`);
/** What the example policy gets on its own (EL103, two EL101, EL102). */
export const POLICY_FINDINGS = ['EL101', 'EL101', 'EL102', 'EL103'];

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

export const DOCKER_COMPOSE = `version: "3.9"
services:
  web:
    image: nginx:1.25
    ports: ["8080:80"]
    networks: [front]
    environment:
      - API_URL=http://api:3000
  api:
    build: ./api
    depends_on: [db]
  db:
    image: postgres:16
    volumes: [db-data:/var/lib/postgresql/data]
networks:
  front: {}
volumes:
  db-data: {}
`;

export const GITHUB_WORKFLOW = `name: CI
on:
  push: {branches: [main]}
  pull_request:
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with: {node-version: 20}
      - run: npm ci && npm test
`;

export const KUSTOMIZATION = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: shop
resources:
  - deployment.yaml
images:
  - name: shop/web
    newTag: "1.2"
labels:
  - pairs: {team: shop}
configMapGenerator:
  - name: web-config
    literals: [MODE=prod]
`;

export const KUSTOMIZE_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: shop/web
`;

export const HELM_TEMPLATE = `{{- if .Values.egress.enabled }}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "chart.fullname" . }}-egress
  labels:
    {{- include "chart.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "chart.selectorLabels" . | nindent 6 }}
  policyTypes: [Egress]
  egress:
  {{- range .Values.egress.allow }}
  - to:
    - ipBlock: {cidr: {{ .cidr | quote }}}
  {{- end }}
{{- end }}
`;

export const HELM_CHART = `apiVersion: v2
name: shop
description: The shop
type: application
version: 0.1.0
appVersion: "1.2"
`;

export const HELM_VALUES = `replicaCount: 2
image: {repository: shop/web, tag: "1.2"}
egress:
  enabled: true
  allow:
    - cidr: 10.0.0.0/8
`;

/** JSON Schemas of Kubernetes kinds (they name apiVersion and kind as properties, and are not manifests). */
export function jsonSchemas(): HostileFile[] {
  const dir = path.join(corpusDir, 'json-schemas/kubernetes-core/derived-standalone-strict-v1.27.0');
  const names = ['networkpolicy-networking-v1.json', 'networkpolicylist-networking-v1.json', 'deployment-apps-v1.json', 'namespace-v1.json'];
  return names.map((n) => ({ file: `schemas/${n}`, content: readFileSync(path.join(dir, n)), expect: [] }));
}

export function hostileFiles(): HostileFile[] {

  return [
    { file: 'bomb.yaml', content: billionLaughs(), expect: ['EL001:alias bomb'] },
    { file: 'deep.yaml', content: deepPolicy(10_000), expect: ['EL004:nests more than 400 levels'] },
    { file: 'deep-block.yaml', content: '- '.repeat(10_000) + 'x\n', expect: ['EL004:nests more than 400 levels'] },
    { file: 'huge.yaml', content: largeManifest(20 * 1024 * 1024), expect: ['EL004:above the limit'] },
    { file: 'image.yaml', content: PNG, expect: ['EL004:binary'] },
    { file: 'nul.yaml', content: policyIn('nul').replace('kind: NetworkPolicy', 'kind: Network\u0000Policy'), expect: ['EL004:binary'] },
    { file: 'bom.yaml', content: '\uFEFF' + policyIn('bom'), expect: POLICY_FINDINGS },
    { file: 'crlf.yaml', content: policyIn('crlf').replace(/\n/g, '\r\n'), expect: POLICY_FINDINGS },
    { file: 'cr.yaml', content: policyIn('cr').replace(/\n/g, '\r'), expect: POLICY_FINDINGS },
    { file: 'tabs.yaml', content: policyIn('tabs').replace('  podSelector:', '\tpodSelector:'), expect: ['EL001:Tabs'], allow: ['EL001', 'EL101', 'EL102'] },
    { file: 'mixed-indent.yaml', content: policyIn('mixed').replace('    matchLabels:', ' \t  matchLabels:'), expect: ['EL001:Tabs'], allow: ['EL001', 'EL101', 'EL102'] },
    { file: 'duplicate-keys.yaml', content: policyIn('dup').replace('  podSelector:', '  podSelector: {}\n  podSelector:'), expect: ['EL001:unique', ...POLICY_FINDINGS] },
    // Latin-1 bytes (0xE9, é) where UTF-8 is expected: read as U+FFFD, never a crash.
    { file: 'latin1.yaml', content: Buffer.concat([Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: menu, namespace: shop}\ndata: {dish: caf'), Buffer.from([0xe9]), Buffer.from('}\n')]), expect: [] },
    { file: 'empty.yaml', content: '', expect: [] },
    { file: 'only-marker.yaml', content: '---\n', expect: [] },
    { file: 'markers.yaml', content: '---\n---\n...\n---\n', expect: [] },
    { file: 'docker-compose.yaml', content: DOCKER_COMPOSE, expect: [] },
    { file: '.github/workflows/ci.yml', content: GITHUB_WORKFLOW, expect: [] },
    // In the views: the namespace shop is written by the kustomization, so EL102 (namespace shop) is there.
    { file: 'kustomize/kustomization.yaml', content: KUSTOMIZATION, expect: [], inViews: ['EL102:Namespace shop'] },
    { file: 'kustomize/deployment.yaml', content: KUSTOMIZE_DEPLOYMENT, expect: ['EL101', 'EL102'], inViews: ['EL101'] },
    { file: 'chart/Chart.yaml', content: HELM_CHART, expect: [], inViews: ['EL004:Helm chart not rendered'] },
    { file: 'chart/values.yaml', content: HELM_VALUES, expect: [] },
    { file: 'chart/templates/networkpolicy.yaml', content: HELM_TEMPLATE, expect: ['EL004:Helm'], inViews: [] },
    ...jsonSchemas(),
  ];
}

/** Problems with findings against a file's expectation (empty when they match). */
export function expectationProblems(findings: readonly { ruleId: string; message: string }[], h: Pick<HostileFile, 'expect' | 'allow'>): string[] {
  const left = [...findings];
  const problems: string[] = [];
  for (const x of h.expect) {
    const [id, text] = x.split(/:(.*)/s);
    const i = left.findIndex((f) => f.ruleId === id && (text === undefined || f.message.includes(text)));
    if (i < 0) problems.push(`missing ${x}`);
    else left.splice(i, 1);
  }
  for (const f of left) if (!(h.allow ?? []).includes(f.ruleId)) problems.push(`unexpected ${f.ruleId}: ${f.message}`);
  return problems;
}
