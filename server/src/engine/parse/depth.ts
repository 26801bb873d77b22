/**
 * Nesting depth, estimated before parsing. The YAML parser recurses once per level and gives up where
 * the call stack ends, which depends on how warm the code is: about 800 levels on a cold start. Files
 * deeper than a fixed limit, well below that, are refused before parsing, so the outcome never depends
 * on the stack.
 */

/** The deepest nesting analysed. Kubernetes manifests stay under 40 levels; CRD schemas under 150. */
export const MAX_NESTING = 400;

function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t';
}

/**
 * The offset where the text nests deeper than `limit`, or -1. An over-estimate: a line counts its
 * indentation columns, its leading `- `, `? ` and `: ` indicators and the flow brackets open before it,
 * so that it never counts less than the parser's depth.
 */
export function nestingBeyond(text: string, limit = MAX_NESTING): number {
  const n = text.length;
  let flow = 0;
  let quote = '';
  let i = 0;
  while (i < n) {
    if (!quote) {
      let depth = flow;
      while (i < n && isBlank(text[i])) {
        depth++;
        i++;
      }
      if (text.startsWith('---', i) || text.startsWith('...', i)) flow = 0;
      while (i < n && (text[i] === '-' || text[i] === '?' || text[i] === ':') && isBlank(text[i + 1])) {
        depth++;
        i++;
        while (i < n && isBlank(text[i])) {
          depth++;
          i++;
        }
      }
      // Blank and comment lines nest nothing, however far they are indented.
      const empty = i >= n || text[i] === '\n' || text[i] === '\r' || text[i] === '#';
      if (!empty && depth > limit) return i;
    }
    for (; i < n && text[i] !== '\n' && text[i] !== '\r'; i++) {
      const c = text[i];
      if (quote) {
        if (c === '\\' && quote === '"') i++;
        else if (c === quote) {
          if (quote === "'" && text[i + 1] === "'") i++;
          else quote = '';
        }
        continue;
      }
      if (c === '#' && (i === 0 || isBlank(text[i - 1]))) {
        while (i < n && text[i] !== '\n' && text[i] !== '\r') i++;
        break;
      }
      if ((c === '"' || c === "'") && (i === 0 || /[\s[{,:]/.test(text[i - 1]))) quote = c;
      else if (c === '[' || c === '{') {
        if (++flow > limit) return i;
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
    }
    i++;
  }
  return -1;
}
