import type { EngineConfig } from '../config';
import type { Mesh } from '../mesh/mesh';
import type { Model, NamespaceSlice } from '../model/model';
import type { ParsedFile } from '../parse/parse';
import type { Resource } from '../model/resources';
import type { Reachability } from '../reach/reachability';
import type { Suppression } from '../suppress';
import type { Finding, Fix, RelatedInfo, Severity, Span } from '../types';

export interface RuleDocs {
  /** What the rule catches, in one sentence. */
  summary: string;
  /** Why it matters. */
  why: string;
  /** A complete example that fires (tested). */
  bad: string;
  /** The same example, fixed (tested to stay clean). */
  good: string;
  /**
   * The rule's quick fixes: none, always safe, always unsafe, or safe in some cases only (tested against
   * the safety of every fix the rule offers on its fixtures).
   */
  fix: 'none' | 'safe' | 'unsafe' | 'depends';
  /** How safe the fix is, or that there is none: the cases, in words. */
  fixSafety: string;
  /** What the examples are: Kubernetes manifests (default), or the `.egress-lens.yaml` configuration. */
  input?: 'manifests' | 'config';
  /** Settings the examples need (e.g. a CNI, or cluster CIDRs). */
  config?: Record<string, unknown>;
}

/** A finding as a rule reports it; the engine adds id, name and the configured severity. */
export interface RawFinding {
  uri: string;
  span: Span;
  message: string;
  related?: RelatedInfo[];
  data?: Record<string, unknown>;
  /** Another severity for a variant (e.g. EL105 limited to ports: lower; EL004 for a file that cannot be read: higher). */
  severity?: Severity;
}

export interface RuleContext {
  files: readonly ParsedFile[];
  model: Model;
  /** Istio and the Gateway API as the workspace configures them. */
  mesh: Mesh;
  config: EngineConfig;
  /** Reachability, computed on first use: rules about reachability read it, never recompute it. */
  readonly reach: Reachability;
  /** Suppression comments and annotations of the workspace. */
  readonly suppressions: readonly Suppression[];
}

/** What a per-resource check may read besides its resource: the configuration, nothing of the workspace. */
export interface ResourceContext {
  config: EngineConfig;
}

export interface FixContext extends RuleContext {
  file: ParsedFile;
  finding: Finding;
}

/**
 * What a namespace-scoped check reads besides its namespace's part of the model (`NamespaceSlice`: its
 * definitions, workloads and NetworkPolicies) and the configuration. Its findings for a namespace are kept
 * while everything it reads there is the same (`analyze.ts` compares them by identity):
 * - `egress`, `ingress`: the policies in force on the namespace's workloads in that direction (as the
 *   reachability's policy index gives them), with the external address parts and container ports they are
 *   evaluated against;
 * - `compiled`: the namespace's NetworkPolicies as compiled (their peers and subjects resolved to workloads);
 * - `ports`: every workload's id and container ports, in order (named ports, for a rule open to any peer);
 * - `pods`: every workload of the workspace as selectors see them (id, labels, container ports, host
 *   network), and every namespace's labels;
 * - `dns`: the cluster DNS pods and the policies in force on their ingress;
 * - `namespaces`: the namespaces, with their labels and declarations;
 * - `mesh`: the Istio and Gateway API configuration (`Mesh`): its resources, the gateway pods it found or
 *   assumed, and the namespaces;
 * - `policies`: every policy of the other families (admin, Calico, Cilium, Antrea, GKE, OpenShift), as
 *   compiled, cluster-wide ones too (Kubernetes NetworkPolicies are in their namespace's part of the model).
 */
export type Read = 'egress' | 'ingress' | 'compiled' | 'ports' | 'pods' | 'dns' | 'namespaces' | 'mesh' | 'policies';

export interface Rule {
  id: string;
  name: string;
  severity: Severity;
  docs: RuleDocs;
  /** Detection over the workspace (model, reachability): pure, anchored on the key or value at fault. Runs on every analysis. */
  check?(ctx: RuleContext): RawFinding[];
  /**
   * Detection over one namespace: what it finds there depends only on the namespace's part of the model
   * and on what `reads` declares. Run for each namespace whose reads changed; the findings of the others are
   * kept. Anchored on the key or value at fault, like every finding.
   */
  checkNamespace?(ns: NamespaceSlice, ctx: RuleContext): RawFinding[];
  /**
   * What `checkNamespace` reads besides its namespace (required with it). On a `check`, what the whole check
   * reads, of the workspace-wide reads: its findings are then kept while that is unchanged. A `check`
   * without `reads` reads the whole workspace and runs on every analysis.
   */
  reads?: readonly Read[];
  /**
   * Detection that reads one resource and the configuration, nothing else. Its findings are kept with the
   * resource object and computed again only for resources that changed: an edit costs one document's worth.
   */
  checkResource?(r: Resource, ctx: ResourceContext): RawFinding[];
  /** Fixes for one of this rule's findings, computed on demand. */
  fixes?(ctx: FixContext): Fix[];
  /**
   * Its findings cannot be suppressed (a rule about the suppressions themselves: a suppression must not
   * hide the finding that it lacks a reason). Default: suppressible.
   */
  unsuppressible?: true;
}

export function defineRule(rule: Rule): Rule {
  const kinds = [rule.check, rule.checkResource, rule.checkNamespace].filter((c) => c !== undefined).length;
  if (kinds !== 1) throw new Error(`${rule.id}: a rule has one of check, checkNamespace or checkResource`);
  if (rule.checkNamespace && !rule.reads) throw new Error(`${rule.id}: a checkNamespace declares what it reads`);
  if (rule.checkResource && rule.reads) throw new Error(`${rule.id}: a checkResource reads its resource only`);
  if (rule.check && rule.reads?.some((r) => r === 'egress' || r === 'ingress' || r === 'compiled')) throw new Error(`${rule.id}: a workspace check reads no namespace's items`);
  return rule;
}
