import type { Severity } from './types';
import type { ObservedConnectionRecord } from './types';

export type RuleSetting = Severity | 'off';

export interface DnsSelector {
  /** Labels the DNS namespace carries (matched like a namespaceSelector). */
  namespaceSelector: Record<string, string>;
  /** Labels the DNS pods carry (matched like a podSelector). */
  podSelector: Record<string, string>;
}

/** Everything the engine needs to know besides the files. Passed explicitly, never global. */
export interface EngineConfig {
  defaultNamespace: string;
  cni: string;
  clusterCidrs: string[];
  serviceCidrs: string[];
  dns: DnsSelector;
  assumeCompleteWorkspace: boolean;
  rules: Record<string, RuleSetting>;
  /** Where rule docs live; `${base}EL101.md` is a rule's page. */
  docsBaseUrl: string;
  /** Files larger than this many characters are not analysed (a notice is shown). */
  maxFileSize: number;
  /** Alias expansions allowed per document before it is rejected (alias bombs). */
  maxAliasCount: number;
  /** Globs of workspace-relative paths not to analyse. */
  exclude: string[];
  /** The workspace root (a URI ending in `/`) that `exclude` globs are relative to. */
  rootUri?: string;
  /** Where fixes put a new resource. */
  insertNewResources: 'afterResource' | 'newFile';
  istio: { outboundTrafficPolicy?: 'ALLOW_ANY' | 'REGISTRY_ONLY'; egressGatewayNamespace?: string; egressGatewaySelector?: Record<string, string> };
  /** Helm: the binary and how long one render may take (the host runs it; the engine never does). */
  helm?: { path?: string; timeoutSeconds?: number };
  /** Declared cluster views (`clusters:`); absent: views are detected. */
  clusters?: Record<string, ClusterDeclaration>;
  /** Connections observed in the cluster (flow logs loaded in the editor), for EL117 and the panel. */
  observedFlows?: ObservedConnectionRecord[];
  /** Problems found in the configuration file, reported on it (EL006). */
  configProblems: { uri: string; span: { start: number; end: number }; message: string }[];
}

export const defaultConfig: EngineConfig = {
  defaultNamespace: 'default',
  cni: 'auto',
  clusterCidrs: [],
  serviceCidrs: [],
  dns: {
    namespaceSelector: { 'kubernetes.io/metadata.name': 'kube-system' },
    podSelector: { 'k8s-app': 'kube-dns' },
  },
  assumeCompleteWorkspace: false,
  rules: {},
  docsBaseUrl: 'docs/rules/',
  maxFileSize: 4 * 1024 * 1024,
  maxAliasCount: 1000,
  exclude: [],
  insertNewResources: 'afterResource',
  istio: {},
  configProblems: [],
};

export function resolveConfig(partial: Partial<EngineConfig> = {}): EngineConfig {
  return {
    ...defaultConfig,
    ...partial,
    dns: { ...defaultConfig.dns, ...(partial.dns ?? {}) },
    rules: { ...defaultConfig.rules, ...(partial.rules ?? {}) },
    istio: { ...defaultConfig.istio, ...(partial.istio ?? {}) },
  };
}

/** A configuration made from another by changing only which rules run, and the one it was made from. */
const ruleVariants = new WeakMap<EngineConfig, EngineConfig>();

/** The configuration with some rules set otherwise: it reads the workspace (model, mesh, reachability) as `config` does. */
export function withRules(config: EngineConfig, rules: EngineConfig['rules']): EngineConfig {
  const out = { ...config, rules: { ...config.rules, ...rules } };
  ruleVariants.set(out, ruleVariants.get(config) ?? config);
  return out;
}

/** Whether two configurations read the workspace alike: the same one, or variants of it by `withRules`. */
export function readsAlike(a: EngineConfig, b: EngineConfig): boolean {
  return (ruleVariants.get(a) ?? a) === (ruleVariants.get(b) ?? b);
}

/** A view as written under `clusters:` (paths relative to the workspace root). */
export interface ClusterDeclaration {
  kustomize?: string[];
  helm?: { chart: string; release?: string; namespace?: string; values?: string[]; set?: Record<string, string | number | boolean> }[];
  files?: string[];
}
