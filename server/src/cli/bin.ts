import { main } from './main';

void main(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  cwd: process.cwd(),
}).then((code) => {
  process.exitCode = code;
});
