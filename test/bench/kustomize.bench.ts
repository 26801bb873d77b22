// npm run bench:kustomize — the Kustomize renderer on the generated workspace of the performance targets
// (about 13,000 documents in 200 files), as a base with an overlay that uses every transformer.
import { parseAllDocuments } from 'yaml';
import { renderKustomization, type RenderSources } from '../../server/src/engine/kustomize';
import type { ParsedFile } from '../../server/src/engine/parse/parse';
import { generateWorkspace, TARGET_SHAPE } from './generator';
import { fmt, summarize } from './stats';

const files = generateWorkspace(TARGET_SHAPE);
const base = files.map((f) => f.uri.slice('file:///bench/'.length));
const texts = new Map(files.map((f) => [f.uri, f.text]));
texts.set('file:///bench/kustomization.yaml', `resources:\n${base.map((b) => `- ${b}`).join('\n')}\n`);
texts.set(
  'file:///bench/overlay/kustomization.yaml',
  `resources: [..]
namePrefix: prod-
commonLabels: {env: prod}
commonAnnotations: {owner: platform}
images:
- {name: coredns/coredns, newTag: 1.11.3}
replicas:
- {name: svc-1, count: 3}
configMapGenerator:
- {name: settings, literals: [MODE=strict]}
patches:
- target: {kind: Deployment, name: "svc-[0-3]"}
  patch: |-
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: any}
    spec:
      template:
        metadata:
          annotations: {sidecar.istio.io/inject: "true"}
- target: {kind: NetworkPolicy, name: default-deny.*}
  patch: |-
    - op: add
      path: /metadata/annotations
      value: {reviewed: "yes"}
`,
);
const sources: RenderSources = { files: texts };
const documents = files.reduce((n, f) => n + f.text.split(/^---$/m).length, 0);

function time(fn: () => void, runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

const parseOnly = summarize(time(() => files.forEach((f) => parseAllDocuments(f.text)), 5));
const cold = summarize(time(() => renderKustomization(sources, 'file:///bench/overlay'), 5));
const parsed = new Map<string, ParsedFile>();
const first = renderKustomization(sources, 'file:///bench/overlay', { parsed });
const warm = summarize(time(() => renderKustomization(sources, 'file:///bench/overlay', { parsed }), 10));
console.log(`${files.length} files, ${documents} documents; rendered ${first.resources.length} resources, ${first.findings.length} findings`);
console.log(`yaml parse alone:            median ${fmt(parseOnly.median)}  p95 ${fmt(parseOnly.p95)}`);
console.log(`render, parsing every file:  median ${fmt(cold.median)}  p95 ${fmt(cold.p95)}  (${(cold.median / parseOnly.median).toFixed(2)}x the parse)`);
console.log(`render, files parsed before: median ${fmt(warm.median)}  p95 ${fmt(warm.p95)}  (what an edit elsewhere costs)`);
