/**
 * The shape of the parameters of every request and notification the server handles, checked at the edge
 * (gate.ts) before any handler runs: a request with the wrong parameters gets -32602 and a message that
 * names the parameter at fault, never a TypeError from deep inside (-32603); a notification with the wrong
 * parameters is dropped with a warning in the log.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { PanelRequests, ReportRequests, Requests, ScaffoldRequests } from './protocol';

type Schema = Record<string, unknown>;

const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', properties, required });
const str: Schema = { type: 'string' };
const uint: Schema = { type: 'integer', minimum: 0 };
const uri: Schema = { type: 'string', minLength: 1 };
const position = obj({ line: uint, character: uint });
const range = obj({ start: position, end: position });
const textDocument = obj({ uri });
const documentParams = obj({ textDocument });
const positionParams = obj({ textDocument, position });
const optional = (s: Schema, names: string[]): Schema => ({ ...s, required: (s.required as string[]).filter((n) => !names.includes(n)) });
/** No parameters, or anything: the request reads none. */
const none: Schema = {};
const port = { type: 'integer', minimum: 1, maximum: 65535 };
const protocol = { enum: ['TCP', 'UDP', 'SCTP'] };
/** One of several shapes told apart by `key`: the message names the shape's own problem, not "must match one of". */
const tagged = (key: string, shapes: Record<string, Schema>): Schema => ({
  type: 'object',
  required: [key],
  properties: { [key]: { enum: Object.keys(shapes) } },
  allOf: Object.entries(shapes).map(([tag, shape]) => ({ if: { properties: { [key]: { const: tag } } }, then: shape })),
});

/** Requests: method -> the schema of its parameters. */
export const REQUEST_PARAMS: Record<string, Schema> = {
  initialize: {
    type: 'object',
    required: ['capabilities'],
    properties: {
      processId: { type: ['integer', 'null'] },
      rootUri: { type: ['string', 'null'] },
      rootPath: { type: ['string', 'null'] },
      workspaceFolders: { anyOf: [{ type: 'null' }, { type: 'array', items: obj({ uri, name: str }) }] },
      capabilities: { type: 'object' },
    },
  },
  shutdown: none,
  'textDocument/codeAction': obj({
    textDocument,
    range,
    context: optional(obj({ diagnostics: { type: 'array', items: optional(obj({ range, message: str }), []) }, only: { type: 'array', items: str } }), ['only']),
  }),
  'textDocument/hover': positionParams,
  'textDocument/definition': positionParams,
  'textDocument/completion': positionParams,
  'textDocument/references': obj({ textDocument, position, context: obj({ includeDeclaration: { type: 'boolean' } }) }),
  'textDocument/codeLens': documentParams,
  'textDocument/documentSymbol': documentParams,
  'workspace/symbol': obj({ query: str }),
  [Requests.namespaces]: none,
  [Requests.scaffoldDefaultDeny]: optional(obj({ namespace: str, allowDns: { type: 'boolean' }, uri }), ['uri']),
  [ScaffoldRequests.workloads]: none,
  [ScaffoldRequests.allowEgress]: optional(
    obj({
      from: str,
      to: tagged('kind', { workload: obj({ id: str }), cidr: obj({ cidr: str }), host: obj({ host: str }) }),
      ports: { type: 'array', maxItems: 1000, items: obj({ protocol, port }) },
      mechanism: { enum: ['networkpolicy', 'cilium', 'calico', 'istio'] },
      uri,
    }),
    ['uri'],
  ),
  [ScaffoldRequests.gateway]: optional(
    obj({ host: str, port, protocol: { enum: ['http', 'https', 'tls-origination'] }, namespace: str, style: { enum: ['istio', 'gateway-api'] }, uri }),
    ['port', 'uri'],
  ),
  [ScaffoldRequests.gatewayRoutes]: none,
  [ScaffoldRequests.gatewayTraffic]: tagged('kind', {
    'traffic-policy': optional(obj({ host: str, namespace: str, uri }), ['uri']),
    'gateway-access-logs': optional(obj({ gateway: str, uri }), ['gateway', 'uri']),
    'rate-limit': optional(obj({ host: str, perMinute: { type: 'integer', minimum: 1 }, uri }), ['perMinute', 'uri']),
  }),
  [ReportRequests.explainWorkload]: obj({ workload: str }),
  [ReportRequests.exportReachability]: obj({ format: { enum: ['txt', 'json', 'csv', 'md', 'dot'] } }),
  [PanelRequests.reachability]: { anyOf: [optional(obj({ focus: str, at: obj({ uri, position }), since: uint }), ['focus', 'at', 'since']), { type: 'null' }] },
  [PanelRequests.explain]: { anyOf: [obj({ src: str, dst: str }), obj({ node: str })] },
  [PanelRequests.workloadLenses]: obj({ uri }),
};

const change = { anyOf: [obj({ range, text: str }), obj({ text: str })] };

/** Notifications: method -> the schema of its parameters. */
export const NOTIFICATION_PARAMS: Record<string, Schema> = {
  initialized: none,
  'textDocument/didOpen': obj({ textDocument: obj({ uri, languageId: str, version: { type: 'integer' }, text: str }) }),
  'textDocument/didChange': obj({ textDocument: obj({ uri, version: { type: 'integer' } }), contentChanges: { type: 'array', items: change } }),
  'textDocument/didClose': obj({ textDocument }),
  'textDocument/didSave': obj({ textDocument }),
  'workspace/didChangeWatchedFiles': obj({ changes: { type: 'array', items: obj({ uri, type: { enum: [1, 2, 3] } }) } }),
  'workspace/didChangeConfiguration': { type: 'object' },
};

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function validator(method: string, schema: Schema): ValidateFunction {
  let v = compiled.get(method);
  if (!v) {
    ajv ??= new Ajv({ allErrors: false, strict: false });
    v = ajv.compile(schema);
    compiled.set(method, v);
  }
  return v;
}

/** `params.position.line must be integer`: where, and what is wrong. */
function describe(e: ErrorObject): string {
  const where = `params${e.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}`;
  if (e.keyword === 'required') return `${where}.${(e.params as { missingProperty: string }).missingProperty} is missing`;
  if (e.keyword === 'enum') return `${where} must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((x) => JSON.stringify(x)).join(', ')}`;
  return `${where} ${e.message ?? 'is invalid'}`;
}

/**
 * Why the parameters of `method` do not fit, or undefined when they do (or when the method is not one the
 * server knows: the protocol layer answers those itself).
 */
export function paramsProblem(kind: 'request' | 'notification', method: string, params: unknown): string | undefined {
  const schema = (kind === 'request' ? REQUEST_PARAMS : NOTIFICATION_PARAMS)[method];
  if (!schema || Object.keys(schema).length === 0) return undefined;
  const v = validator(`${kind} ${method}`, schema);
  if (v(params ?? null)) return undefined;
  const e = v.errors?.[0];
  return `${method}: ${e ? describe(e) : 'the parameters are invalid'}.`;
}
