import { perObject } from '../memo';
import { isRecord, stringMap, type Resource } from './resources';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export interface ContainerPort {
  name?: string;
  port: number;
  protocol: Protocol;
}

/** A set of pods that behave alike: one workload object, or bare Pods grouped by owner. */
export interface Workload {
  /** `namespace/name[Kind]`, as netpol-analyzer prints peers. */
  id: string;
  kind: string;
  name: string;
  namespace: string;
  /** Labels of the pods (the pod template's). */
  labels: Record<string, string>;
  ports: ContainerPort[];
  hostNetwork: boolean;
  /** The objects this workload comes from (several Pods may share one owner). */
  resources: Resource[];
}

/**
 * The kinds whose objects run pods, by API group: the core ones, OpenShift's DeploymentConfig (also served
 * by the legacy core group, `apiVersion: v1`) and Argo Rollouts' Rollout. Each holds its pod template at
 * `spec.template` (CronJob at `spec.jobTemplate.spec.template`; a Pod is its own template).
 */
const WORKLOAD_GROUPS = new Map<string, readonly string[]>([
  // The historical `extensions` group is accepted for the core kinds (extensions/v1beta1 Deployment…).
  ['Deployment', ['apps', 'extensions']],
  ['StatefulSet', ['apps', 'extensions']],
  ['DaemonSet', ['apps', 'extensions']],
  ['ReplicaSet', ['apps', 'extensions']],
  ['ReplicationController', ['', 'extensions']],
  ['Job', ['batch', 'extensions']],
  ['CronJob', ['batch', 'extensions']],
  ['Pod', ['', 'extensions']],
  ['DeploymentConfig', ['apps.openshift.io', '']],
  ['Rollout', ['argoproj.io']],
]);

export function isWorkloadResource(r: Resource): boolean {
  return WORKLOAD_GROUPS.get(r.kind)?.includes(r.group) ?? false;
}

/** The pod template of a workload object (the object itself for a Pod). */
export function podTemplate(r: Resource): { labels: Record<string, string>; spec: Record<string, unknown>; specPath: (string | number)[] } {
  const o = r.obj;
  if (r.kind === 'Pod') {
    const meta = isRecord(o.metadata) ? o.metadata : {};
    return { labels: stringMap(meta.labels), spec: isRecord(o.spec) ? o.spec : {}, specPath: ['spec'] };
  }
  const spec = isRecord(o.spec) ? o.spec : {};
  const tmplHolder = r.kind === 'CronJob' ? (isRecord(spec.jobTemplate) && isRecord(spec.jobTemplate.spec) ? spec.jobTemplate.spec : {}) : spec;
  const tmpl = isRecord(tmplHolder.template) ? tmplHolder.template : {};
  const meta = isRecord(tmpl.metadata) ? tmpl.metadata : {};
  const specPath = r.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template', 'spec'] : ['spec', 'template', 'spec'];
  return { labels: stringMap(meta.labels), spec: isRecord(tmpl.spec) ? tmpl.spec : {}, specPath };
}

/** Ports the pods serve: those of `containers`, in order (init containers do not serve traffic). */
function containerPorts(spec: Record<string, unknown>): ContainerPort[] {
  const out: ContainerPort[] = [];
  for (const field of ['containers']) {
    const cs = spec[field];
    if (!Array.isArray(cs)) continue;
    for (const c of cs) {
      if (!isRecord(c) || !Array.isArray(c.ports)) continue;
      for (const p of c.ports) {
        if (!isRecord(p)) continue;
        const port = Number(p.containerPort);
        if (!Number.isInteger(port)) continue;
        const proto = String(p.protocol ?? 'TCP').toUpperCase();
        const protocol: Protocol = proto === 'UDP' ? 'UDP' : proto === 'SCTP' ? 'SCTP' : 'TCP';
        out.push({ name: typeof p.name === 'string' ? p.name : undefined, port, protocol });
      }
    }
  }
  return out;
}

/**
 * The owner a Pod is grouped under: its first ownerReference with `controller: true` (as netpol-analyzer
 * does). Pods owned by a Node (static pods) are their own workload.
 */
function podOwner(r: Resource): { kind: string; name: string } | undefined {
  const meta = isRecord(r.obj.metadata) ? r.obj.metadata : {};
  const owners = Array.isArray(meta.ownerReferences) ? meta.ownerReferences.filter(isRecord) : [];
  const owner = owners.find((o) => o.controller === true && (typeof o.name === 'string' || typeof o.name === 'number'));
  if (!owner || owner.kind === 'Node') return undefined;
  return { kind: typeof owner.kind === 'string' && owner.kind !== '' ? owner.kind : 'Pod', name: String(owner.name) };
}

/** The workload of one resource, once per resource object: unchanged objects keep their workload between analyses. */
const ofResource = new WeakMap<Resource, Workload>();

function workloadOf(r: Resource, id: string, kind: string, name: string): Workload {
  const tmpl = podTemplate(r);
  return { id, kind, name, namespace: r.namespace, labels: tmpl.labels, ports: containerPorts(tmpl.spec), hostNetwork: tmpl.spec.hostNetwork === true, resources: [r] };
}

/** The workload a resource belongs to, by id (a Pod: its owner's), once per resource object. */
const workloadKey = perObject((r: Resource): { id: string; kind: string; name: string } => {
  let kind = r.kind;
  let name = r.name;
  if (r.kind === 'Pod') {
    const owner = podOwner(r);
    if (owner) {
      kind = owner.kind;
      name = owner.name;
    }
  }
  return { id: `${r.namespace}/${name}[${kind}]`, kind, name };
});

/** Workloads of workload resources (`isWorkloadResource`). Pods sharing an owner become one workload. */
export function workloadsOf(resources: readonly Resource[]): Workload[] {
  // Most workloads have one resource: no array is made for them.
  const byId = new Map<string, { key: { id: string; kind: string; name: string }; first: Resource; rest?: Resource[] }>();
  for (const r of resources) {
    const key = workloadKey(r);
    const group = byId.get(key.id);
    if (!group) byId.set(key.id, { key, first: r });
    else if (group.rest) group.rest.push(r);
    else group.rest = [r];
  }
  const out: Workload[] = [];
  for (const { key, first, rest } of byId.values()) {
    const { id, kind, name } = key;
    if (!rest) {
      let w = ofResource.get(first);
      if (!w || w.id !== id || w.resources.length !== 1) ofResource.set(first, (w = workloadOf(first, id, kind, name)));
      out.push(w);
      continue;
    }
    // Pods of one owner: one workload with every container port of them (the same object while its pods are).
    const kept = ofResource.get(first);
    if (kept && kept.id === id && kept.resources.length === rest.length + 1 && rest.every((r, i) => kept.resources[i + 1] === r)) {
      out.push(kept);
      continue;
    }
    const w = workloadOf(first, id, kind, name);
    ofResource.set(first, w);
    for (const r of rest) {
      w.resources.push(r);
      for (const p of containerPorts(podTemplate(r).spec)) {
        if (!w.ports.some((q) => q.port === p.port && q.protocol === p.protocol && q.name === p.name)) w.ports.push(p);
      }
    }
    out.push(w);
  }
  return out;
}
