/**
 * Crash recovery (SPEC 3.2): the language client's error handler. When the server process dies, it is
 * started again and the user is told once; after too many crashes it stays stopped, and the user is told
 * so with a Restart button (crash-history.ts decides).
 */
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, type CloseHandlerResult, type ErrorHandler, type ErrorHandlerResult, type LanguageClient, type Message } from 'vscode-languageclient/node';
import { CrashHistory } from './crash-history';

export const RESTARTED_NOTICE = 'Egress Lens: the language server stopped unexpectedly and was restarted.';

export interface CrashRecovery extends ErrorHandler {
  /** What the user was told about the server stopping, in order. */
  readonly notices: readonly string[];
  /** The client to start again when the user asks (set once it exists: it takes this handler). */
  attach(client: LanguageClient): void;
}

export function crashRecovery(history = new CrashHistory()): CrashRecovery {
  const notices: string[] = [];
  let client: LanguageClient | undefined;
  const minutes = Math.round(history.windowMs / 60_000);
  return {
    notices,
    attach: (c) => (client = c),
    error(_error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult {
      // As the library's default: a few unreadable messages are survived, then the connection is closed.
      return { action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown };
    },
    closed(): CloseHandlerResult {
      const decision = history.crashed(Date.now());
      if (!decision.restart) {
        const message = `Egress Lens: the language server stopped unexpectedly ${history.maxRestarts + 1} times in ${minutes} minutes and was not restarted.`;
        notices.push(message);
        void vscode.window.showWarningMessage(message, 'Restart', 'Show Output').then((choice) => {
          if (choice === 'Restart') {
            history.reset();
            void client?.start();
          } else if (choice === 'Show Output') client?.outputChannel.show();
        });
        // handled: the client logs the message in its output and shows no notification of its own.
        return { action: CloseAction.DoNotRestart, message, handled: true };
      }
      if (decision.notice === 'restarted') {
        notices.push(RESTARTED_NOTICE);
        void vscode.window.showInformationMessage(RESTARTED_NOTICE);
      }
      return { action: CloseAction.Restart, message: 'The language server stopped unexpectedly; it is started again.', handled: true };
    },
  };
}
