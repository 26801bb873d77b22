// egress-lens-language-server: the server for any editor (--stdio, --node-ipc or --socket=N).
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';
import { ProtocolGate } from './gate';
import { VERSION } from '../host/version';

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`${VERSION}\n`);
} else if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write('Usage: egress-lens-language-server --stdio | --node-ipc | --socket=PORT\n');
} else {
  // Every message passes the gate first: nothing before initialize, parameters checked at the edge.
  const gate = new ProtocolGate();
  const connection = createConnection(ProposedFeatures.all, { messageStrategy: gate });
  gate.install(connection);
  startServer(connection);
}
