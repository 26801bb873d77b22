/**
 * Plain data shared by every part of the engine. Offsets are UTF-16 code-unit
 * indices into the file text (what JavaScript strings and LSP use).
 */

export interface Span {
  start: number;
  end: number;
}

/** One input file: the engine never reads anything else. */
export interface SourceFile {
  uri: string;
  text: string;
  /** Editor version when the text comes from an open buffer. */
  version?: number;
  /** Set when the file could not be read (why, as a clause: "it is a named pipe (FIFO), not a regular file"); the text is empty. */
  unreadable?: string;
  /** Set when the file was too large to be read (its size in bytes); the text is empty. */
  tooLarge?: number;
}

export type Severity = 'error' | 'warning' | 'info' | 'hint';

export const severityRank: Record<Severity, number> = { error: 3, warning: 2, info: 1, hint: 0 };

export interface RelatedInfo {
  uri: string;
  span: Span;
  message: string;
}

export interface Finding {
  ruleId: string;
  ruleName: string;
  severity: Severity;
  message: string;
  uri: string;
  span: Span;
  related?: RelatedInfo[];
  /** Rule-specific data needed to compute fixes later (plain JSON). */
  data?: Record<string, unknown>;
  /** True when the rule has fixes for this finding (computed lazily). */
  fixable?: boolean;
}

export interface TextEdit {
  uri: string;
  start: number;
  end: number;
  newText: string;
  /** The edit creates this file (which must not exist yet) with `newText`. */
  create?: boolean;
}

export type FixSafety = 'safe' | 'unsafe';

export interface Fix {
  title: string;
  safety: FixSafety;
  edits: TextEdit[];
  /** What an unsafe fix risks, shown after its title (default: that it may block traffic). */
  caution?: string;
}

/** Observed connections as plain data (kept in the configuration and matched again after every edit). */
export interface ObservedEndpointRecord {
  namespace?: string;
  labels?: Record<string, string>;
  ip?: string;
  names?: string[];
}

export interface ObservedConnectionRecord {
  from: ObservedEndpointRecord;
  to: ObservedEndpointRecord;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  /** Flows seen. */
  flows: number;
}

/** Which way a policy rule or a connection goes, seen from the pod a policy selects. */
export type Direction = 'egress' | 'ingress';
