import { nameSpan, spanAt } from '../../model/anchor';
import type { Resource } from '../../model/resources';
import type { Span } from '../../types';
import { addKey } from '../../fixes/yaml-edit';
import { addResource } from '../../fixes/new-resource';
import { locate } from '../../parse/locate';
import { isMeshed, outboundFor } from '../../mesh/mesh';
import { resourceAt } from '../lookup';
import { defineRule, type RawFinding } from '../rule';
import { kindName, relatedTo } from './refs';

const INJECTION = ['istio-injection', 'istio.io/rev'];

export const el201 = defineRule({
  id: 'EL201',
  name: 'mesh-allows-any-egress',
  severity: 'info',
  docs: {
    summary: 'No REGISTRY_ONLY outbound traffic policy covers a namespace whose pods carry Istio sidecars.',
    why: 'Istio\'s default outbound policy is ALLOW_ANY: a sidecar passes traffic to any host it does not know. Egress control in the mesh starts with REGISTRY_ONLY (in the mesh config, or a namespace\'s Sidecar), so that only hosts registered by a ServiceEntry are reachable.',
    bad: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio-injection: enabled
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: stripe
  namespace: shop
spec:
  hosts: [api.stripe.com]
  ports:
  - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
`,
    good: `apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    istio-injection: enabled
---
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: default
  namespace: shop
spec:
  outboundTrafficPolicy:
    mode: REGISTRY_ONLY
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: stripe
  namespace: shop
spec:
  hosts: [api.stripe.com]
  ports:
  - {number: 443, name: tls, protocol: TLS}
  resolution: DNS
`,
    fix: 'unsafe',
    fixSafety: 'Unsafe: adds a namespace-wide Sidecar with `outboundTrafficPolicy: REGISTRY_ONLY` (or sets it on the existing one). Every host no ServiceEntry registers stops being reachable from that namespace: register the ones the pods need first. Never applied by fix-all.',
  },
  // The namespace's sidecars: the mesh's outbound policy for it, its injection labels.
  reads: ['mesh', 'namespaces'],
  checkNamespace(slice, ctx) {
    const mesh = ctx.mesh;
    if (!mesh.istioPresent) return [];
    const out: RawFinding[] = [];
    const ns = slice.name;
    const declared = ctx.model.namespaces.get(ns);
    const key = INJECTION.find((k) => declared?.resource && declared.labels[k] !== undefined && (k !== 'istio-injection' || declared.labels[k] === 'enabled'));
    const meshedPods = key ? undefined : slice.workloads.find((w) => w.resources[0] && isMeshed(w, ctx.model.namespaces));
    const at: { r: Resource; span: Span } | undefined =
      key && declared?.resource ? { r: declared.resource, span: spanAt(declared.resource, ['metadata', 'labels', key]) } : meshedPods ? { r: meshedPods.resources[0], span: nameSpan(meshedPods.resources[0]) } : undefined;
    if (!at) return out;
    const ob = outboundFor(mesh, { namespace: ns, labels: {} });
    if (ob.mode === 'REGISTRY_ONLY') return out;
    const by = ob.sidecar?.modePath ? `${kindName(ob.sidecar.r)} sets ALLOW_ANY` : ob.source === 'setting' ? 'the setting istio.outboundTrafficPolicy is ALLOW_ANY' : ob.source ? `${kindName(ob.source.r)} sets ALLOW_ANY` : 'Istio\'s default is ALLOW_ANY';
    out.push({
      uri: at.r.uri,
      span: at.span,
      message: `Sidecars in namespace ${ns} let traffic out to any host (${by}): no REGISTRY_ONLY outbound policy covers it.`,
      related: ob.sidecar ? [relatedTo(ob.sidecar.r, `${kindName(ob.sidecar.r)} applies here`)] : ob.source && ob.source !== 'setting' ? [relatedTo(ob.source.r, 'the mesh\'s outbound policy', ob.source.path)] : undefined,
      data: { namespace: ns },
    });
    return out;
  },
  fixes(ctx) {
    const ns = ctx.finding.data?.namespace;
    const r = resourceAt(ctx, ctx.finding);
    if (typeof ns !== 'string' || !r) return [];
    const existing = ctx.mesh.sidecars.find((s) => s.r.namespace === ns && !s.selector);
    if (existing) {
      const file = ctx.files.find((f) => f.uri === existing.r.uri);
      const spec = file && locate(existing.r.doc.doc, [...existing.r.path, 'spec']).node;
      const edit = file && spec && !existing.modePath ? addKey(file, spec, 'outboundTrafficPolicy', { mode: 'REGISTRY_ONLY' }) : undefined;
      return edit ? [{ title: `Set outboundTrafficPolicy REGISTRY_ONLY on ${kindName(existing.r)}`, safety: 'unsafe', edits: [edit] }] : [];
    }
    const sidecar = { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name: 'default', namespace: ns }, spec: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } } };
    return [{ title: `Add a Sidecar for namespace ${ns} with outboundTrafficPolicy REGISTRY_ONLY`, safety: 'unsafe', edits: [addResource(ctx.file, r, sidecar, ctx.config)] }];
  },
});
