/** What parsing gives: the documents of a file with their source ranges, or why the file was not read. */
import type { Document } from 'yaml';
import type { Span } from '../types';

export interface ParseProblem {
  span: Span;
  message: string;
  code: string;
}

export interface ParsedDocument {
  index: number;
  /** The whole document, from its first byte to the next document marker. */
  span: Span;
  doc: Document.Parsed;
  /** The document as plain data, or undefined when it could not be built (alias bomb). */
  value: unknown;
  errors: ParseProblem[];
  /** The part of the file it was parsed from on its own (absent when the file was parsed as a whole). */
  piece?: Span;
}

export interface FileNotice {
  code: 'template' | 'too-large' | 'binary' | 'too-deep' | 'unreadable';
  message: string;
  /** Where the reason is, when it is at one spot. */
  at?: number;
}

export interface ParsedFile {
  uri: string;
  text: string;
  version?: number;
  /** Why the file could not be read (see SourceFile). */
  unreadable?: string;
  tooLarge?: number;
  documents: ParsedDocument[];
  /** Set when the file is not analysed as Kubernetes YAML at all. */
  notice?: FileNotice;
  /**
   * Written by Egress Lens from plain data (a view's rendered resources, `written.ts`): no comments, and each
   * document's YAML nodes parsed only when first read.
   */
  written?: true;
}

export interface ParseOptions {
  maxFileSize: number;
  maxAliasCount: number;
}
