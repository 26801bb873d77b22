/**
 * The edits the benchmark makes to one file, as an editor sends them (a range and its new text), each
 * computed on the text the previous ones left: a policy's port changes (reachability changes), a
 * workload's tier label changes (which policies select it changes), an image tag changes (nothing the
 * analysis reads), and a key loses its colon then gets it back (the YAML breaks, then is fixed).
 */
export interface Edit {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
}

function position(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, character: offset - start };
}

/** Replace `from` (found after `near`) by `to`; returns the edit and the new text. */
function replace(uri: string, text: string, near: string, from: string, to: string): { edit: Edit; text: string } {
  const at = text.indexOf(from, Math.max(0, text.indexOf(near)));
  if (at < 0) throw new Error(`benchmark edit: "${from}" not found after "${near}"`);
  const edit = { uri, range: { start: position(text, at), end: position(text, at + from.length) }, text: to };
  return { edit, text: text.slice(0, at) + to + text.slice(at + from.length) };
}

/** `count` edits of the file in the middle of the workspace (by URI order). */
export function editScript(files: readonly { uri: string; text: string }[], count: number): Edit[] {
  const teams = files.filter((f) => /team-\d+\.yaml$/.test(f.uri)).sort((a, b) => (a.uri < b.uri ? -1 : 1));
  const target = teams[Math.floor(teams.length / 2)];
  let text = target.text;
  const edits: Edit[] = [];
  const steps: [near: string, from: string, to: string][][] = [
    [['name: api-to-db', 'port: 5432\n', 'port: 5433\n']],
    [['name: svc-0\n', 'tier: web\n', 'tier: api\n']],
    [['name: svc-1\n', ':1.0.', ':1.1.']],
    [['name: svc-2\n', 'replicas:', 'replicas']],
    [['name: api-to-db', 'port: 5433\n', 'port: 5432\n']],
    [['name: svc-0\n', 'tier: api\n', 'tier: web\n']],
    [['name: svc-1\n', ':1.1.', ':1.0.']],
    [['name: svc-2\n', 'replicas ', 'replicas: ']],
  ];
  for (let i = 0; edits.length < count; i++) {
    for (const [near, from, to] of steps[i % steps.length]) {
      const r = replace(target.uri, text, near, from, to);
      edits.push(r.edit);
      text = r.text;
    }
  }
  return edits;
}
