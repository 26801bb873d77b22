/**
 * The edge of the protocol: every message from the client passes here before a handler sees it (a
 * `MessageStrategy` of vscode-jsonrpc). As the LSP specification asks:
 * - before `initialize`, a request gets -32002 (ServerNotInitialized) and a notification is dropped,
 *   except `exit`; after `shutdown`, a request gets -32600 (InvalidRequest), as does a second `initialize`;
 * - a request whose parameters do not fit its method (params.ts) gets -32602 (InvalidParams) with a
 *   message naming the parameter at fault; such a notification is dropped, with a warning in the log.
 * A refused request is answered by the connection itself: it is handed on under a method of the gate's own
 * whose handler throws the error, with the request's id, so the reply goes through the usual path.
 */
import { ErrorCodes, Message, ResponseError, type Connection, type MessageStrategy, type NotificationMessage, type RequestMessage } from 'vscode-languageserver/node';
import { paramsProblem } from './params';

const REFUSED = 'egressLens/$refused';

type State = 'new' | 'initializing' | 'running' | 'shutdown';

export class ProtocolGate implements MessageStrategy {
  private state: State = 'new';
  /** The error for each refused request, by the parameters object handed on (nothing else can reach it). */
  private readonly refusals = new WeakMap<object, ResponseError<void>>();
  private warn: (message: string) => void = () => undefined;

  /** Answer refused requests and log dropped notifications on this connection. */
  install(connection: Connection): void {
    this.warn = (m) => connection.console.warn(m);
    connection.onRequest(REFUSED, (params: unknown) => {
      const refusal = typeof params === 'object' && params !== null ? this.refusals.get(params) : undefined;
      throw refusal ?? new ResponseError(ErrorCodes.MethodNotFound, `Unhandled method ${REFUSED}`);
    });
  }

  handleMessage(message: Message, next: (message: Message) => void | Promise<void>): void | Promise<void> {
    if (Message.isRequest(message)) {
      const refusal = this.check(message);
      if (!refusal) return next(message);
      const params = {};
      this.refusals.set(params, refusal);
      return next({ ...message, method: REFUSED, params } as RequestMessage);
    }
    if (Message.isNotification(message)) return this.notification(message, next);
    return next(message);
  }

  private check(m: RequestMessage): ResponseError<void> | undefined {
    if (this.state === 'new' && m.method !== 'initialize') return new ResponseError(ErrorCodes.ServerNotInitialized, `${m.method}: the server is not initialized yet (send initialize first).`);
    if (this.state !== 'new' && m.method === 'initialize') return new ResponseError(ErrorCodes.InvalidRequest, 'initialize: the server is initialized already.');
    if (this.state === 'shutdown') return new ResponseError(ErrorCodes.InvalidRequest, `${m.method}: the server is shutting down.`);
    const problem = paramsProblem('request', m.method, m.params);
    if (problem) return new ResponseError(ErrorCodes.InvalidParams, problem);
    if (m.method === 'initialize') this.state = 'initializing';
    else if (m.method === 'shutdown') this.state = 'shutdown';
    return undefined;
  }

  private notification(m: NotificationMessage, next: (message: Message) => void | Promise<void>): void | Promise<void> {
    if (m.method === 'exit') return next(m);
    if (this.state === 'new') return;
    const problem = paramsProblem('notification', m.method, m.params);
    if (problem) {
      this.warn(`Ignored a notification with wrong parameters: ${problem}`);
      return;
    }
    if (m.method === 'initialized') this.state = 'running';
    return next(m);
  }
}
