/** egressLens/loadFlows: flow logs read on the server, their connections kept for EL117. */
import { basename } from 'path';
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver/node';
import { flows, type Analysis } from '../engine';
import { NotAFlowLog, readFlowFile } from '../host/flow-files';
import { readRegularFile, uriToPath } from '../host/files';
import { FlowRequests, type LoadFlowsParams, type LoadFlowsResult } from './protocol';

const MAX_PODS_BYTES = 256 * 1024 * 1024;

function pathOf(p: unknown): string {
  if (typeof p !== 'string' || p === '') throw new ResponseError(ErrorCodes.InvalidParams, 'a flow log is a path or a file: URI');
  const path = p.startsWith('file:') ? uriToPath(p) : p;
  if (!path) throw new ResponseError(ErrorCodes.InvalidParams, `${p}: not a file`);
  return path;
}

export function registerFlows(connection: Connection, host: { current: () => Analysis; flush: () => void; setObserved: (records: flows.ObservedConnectionRecord[] | undefined, sources: string[]) => void }): void {
  connection.onRequest(FlowRequests.loadFlows, async (p: LoadFlowsParams): Promise<LoadFlowsResult> => {
    if (typeof p !== 'object' || p === null || !Array.isArray(p.files)) throw new ResponseError(ErrorCodes.InvalidParams, 'loadFlows takes {files: string[], pods?: string}');
    const files = p.files.map(pathOf);
    if (files.length === 0) {
      host.setObserved(undefined, []);
      return { flows: 0, connections: 0, blocked: 0, unknown: 0, malformed: 0, problems: [] };
    }
    let pods: flows.PodAddressMap | undefined;
    if (p.pods !== undefined) {
      const r = await readRegularFile(pathOf(p.pods), MAX_PODS_BYTES);
      let json: unknown;
      try {
        json = r && 'text' in r ? JSON.parse(r.text) : undefined;
      } catch {
        json = undefined;
      }
      const read = flows.readPodAddresses(json);
      if (read.error) throw new ResponseError(ErrorCodes.InvalidParams, `${p.pods}: ${read.error}`);
      pods = read.map;
    }
    host.flush();
    const a = host.current();
    const traffic = new flows.ObservedTraffic(a.reach);
    for (const f of files) {
      try {
        await readFlowFile(f, traffic, { shown: f, pods });
      } catch (e) {
        if (e instanceof NotAFlowLog) throw new ResponseError(ErrorCodes.InvalidParams, e.message);
        throw new ResponseError(ErrorCodes.InvalidParams, `${f}: ${(e as Error).message}`);
      }
    }
    let blocked = 0;
    for (const c of traffic.connections.values()) if (!flows.deniedByCluster(c) && !flows.evaluateConnection(a.reach, c).allowed) blocked++;
    host.setObserved(flows.recordsOf(traffic.connections.values()), files.map((f) => basename(f)));
    return {
      flows: traffic.flows,
      connections: traffic.connections.size,
      blocked,
      unknown: traffic.unknownFlows,
      malformed: traffic.malformed,
      problems: traffic.errors.slice(0, 5).map((e) => `${e.file ?? ''}:${e.line}: ${e.message}`),
    };
  });
}
