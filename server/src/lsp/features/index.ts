/**
 * The language features (hover, code lens, definition, references, symbols, completion, indexing progress
 * and status), registered on the server's connection. Everything comes from the engine's language module
 * (engine/lang); this folder only speaks the protocol.
 */
import { CodeLensRefreshRequest, type ClientCapabilities, type Connection, type InitializeParams, type ServerCapabilities } from 'vscode-languageserver/node';
import { registerCodeLens } from './codelens';
import { registerCompletion, TRIGGER_CHARACTERS } from './completion';
import type { FeatureHost } from './host';
import { registerHover } from './hover';
import { registerNavigation } from './navigation';
import { Status, type Indexing } from './status';
import { registerSymbols } from './symbols';

export type { FeatureHost } from './host';
export type { Indexing } from './status';

export interface FeatureHooks {
  /** From the server's onInitialize: records what the client supports, returns the capabilities to announce. */
  initialize(params: InitializeParams): ServerCapabilities;
  /** After diagnostics were published: refreshes code lenses and the status when the analysis is a new one. */
  changed(): void;
  /** Files are read from disk (the initial scan, or many changed at once): a progress report begins. */
  indexing(): Promise<Indexing>;
  /** A lens changed without a new analysis (one computed after its request): the client asks again. */
  refreshLenses(): void;
}

export function registerFeatures(connection: Connection, host: FeatureHost): FeatureHooks {
  let caps: ClientCapabilities = {};
  const status = new Status(connection, () => caps.window?.workDoneProgress === true);
  registerHover(connection, host);
  registerCodeLens(connection, host);
  registerNavigation(connection, host, () => caps.textDocument?.definition?.linkSupport === true);
  registerSymbols(connection, host);
  registerCompletion(connection, host);
  let lensesFor: unknown;
  return {
    initialize(params) {
      caps = params.capabilities;
      return {
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        definitionProvider: true,
        referencesProvider: true,
        documentSymbolProvider: { label: 'Egress Lens' },
        workspaceSymbolProvider: true,
        completionProvider: { triggerCharacters: TRIGGER_CHARACTERS, resolveProvider: false },
      };
    },
    changed() {
      const a = host.current();
      status.analysed(a);
      if (a === lensesFor) return;
      lensesFor = a;
      if (caps.workspace?.codeLens?.refreshSupport) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    },
    indexing: () => status.startIndexing(),
    refreshLenses() {
      if (caps.workspace?.codeLens?.refreshSupport) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    },
  };
}
