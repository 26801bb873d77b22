import { analyze, parseCidr, type Analysis, type Peer, type Protocol } from '../../server/src/engine';

/** Analyse YAML texts given inline (one file each). */
export function analyzeYaml(...texts: string[]): Analysis {
  return analyze(texts.map((text, i) => ({ uri: `file:///ws/f${i}.yaml`, text })));
}

export function workload(a: Analysis, id: string): Peer {
  const w = a.reach.workloads.find((x) => x.id === id || `${x.namespace}/${x.name}` === id);
  if (!w) throw new Error(`no workload ${id} among ${a.reach.workloads.map((x) => x.id).join(', ')}`);
  return { kind: 'workload', workload: w };
}

export function address(ip: string): Peer {
  const c = parseCidr(ip.includes('/') ? ip : `${ip}/32`);
  if (!c) throw new Error(`bad address ${ip}`);
  return { kind: 'ip', ips: c.set, name: ip };
}

/** Is `protocol port` allowed from src to dst (egress of src ∩ ingress of dst)? */
export function can(a: Analysis, src: Peer, dst: Peer, protocol: Protocol, port: number): boolean {
  return a.reach.between(src, dst).allowed.has(protocol, port);
}

/** A bare Pod as `kubectl run NAME --labels=... --port=PORT` makes it. */
export function pod(name: string, ns: string, labels: Record<string, string>, ports: { port: number; protocol?: string; name?: string }[] = []): string {
  const l = Object.entries(labels).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`);
  const p = ports.map((x) => `        - containerPort: ${x.port}${x.protocol ? `\n          protocol: ${x.protocol}` : ''}${x.name ? `\n          name: ${x.name}` : ''}`);
  return [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    `  name: ${name}`,
    `  namespace: ${ns}`,
    ...(l.length ? ['  labels:', ...l.map((x) => x.slice(2))] : []),
    'spec:',
    '  containers:',
    `    - name: ${name}`,
    '      image: example',
    ...(p.length ? ['      ports:', ...p.map((x) => x.slice(2))] : []),
    '',
  ].join('\n');
}
