// egress-lens-language-server: the server for any editor (--stdio, --node-ipc or --socket=N).
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server';
import { VERSION } from '../host/version';

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write(`${VERSION}\n`);
} else if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write('Usage: egress-lens-language-server --stdio | --node-ipc | --socket=PORT\n');
} else {
  startServer(createConnection(ProposedFeatures.all));
}
