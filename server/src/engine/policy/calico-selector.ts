/**
 * Calico selector expressions: `app == 'web' && (tier in {'api', 'db'} || has(debug))`, `!has(x)`,
 * `all()`, `global()`, `key != 'v'`, `key not in {…}`, `key contains 'x'`, `starts with`, `ends with`.
 * Parsing never throws: errors carry the offset of the character at fault.
 */
export type CalicoSelector =
  | { kind: 'all' }
  | { kind: 'global' }
  | { kind: 'has'; key: string }
  | { kind: 'eq' | 'ne' | 'contains' | 'starts' | 'ends'; key: string; value: string }
  | { kind: 'in' | 'notin'; key: string; values: string[] }
  | { kind: 'not'; expr: CalicoSelector }
  | { kind: 'and' | 'or'; left: CalicoSelector; right: CalicoSelector };

export interface SelectorError {
  /** Offset in the selector text. */
  offset: number;
  length: number;
  message: string;
}

export type SelectorParse = { ok: true; selector: CalicoSelector } | { ok: false; error: SelectorError };

type Token =
  | { t: 'ident'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'op'; v: string; at: number }
  | { t: 'end'; at: number };

const KEY = /[A-Za-z0-9_./-]/;

class Fail extends Error {
  constructor(readonly error: SelectorError) {
    super(error.message);
  }
}

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const close = text.indexOf(c, i + 1);
      if (close < 0) throw new Fail({ offset: i, length: text.length - i, message: `This string is never closed: add a ${c}.` });
      out.push({ t: 'string', v: text.slice(i + 1, close), at: i });
      i = close + 1;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (['==', '!=', '&&', '||'].includes(two)) {
      out.push({ t: 'op', v: two, at: i });
      i += 2;
      continue;
    }
    if ('!(){},'.includes(c)) {
      out.push({ t: 'op', v: c, at: i });
      i++;
      continue;
    }
    if (KEY.test(c)) {
      const start = i;
      while (i < text.length && KEY.test(text[i])) i++;
      out.push({ t: 'ident', v: text.slice(start, i), at: start });
      continue;
    }
    if (c === '=') throw new Fail({ offset: i, length: 1, message: 'Use == to compare ("=" alone is not an operator).' });
    if (c === '&' || c === '|') throw new Fail({ offset: i, length: 1, message: `Use ${c}${c} ("${c}" alone is not an operator).` });
    // The whole character: an emoji or other astral character is two UTF-16 units.
    const char = String.fromCodePoint(text.codePointAt(i)!);
    throw new Fail({ offset: i, length: char.length, message: `Unexpected character "${char}".` });
  }
  out.push({ t: 'end', at: text.length });
  return out;
}

class Parser {
  private i = 0;
  /** Offsets of open parentheses, to point at an unclosed one. */
  private readonly opens: number[] = [];

  constructor(
    private readonly tokens: Token[],
    private readonly text: string,
  ) {}

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private fail(tok: Token, message: string): never {
    const length = tok.t === 'end' ? 0 : tok.t === 'string' ? tok.v.length + 2 : tok.v.length;
    throw new Fail({ offset: tok.at, length: Math.max(1, length), message });
  }

  private isOp(v: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === v;
  }

  private expectOp(v: string, what: string): Token {
    const t = this.next();
    if (t.t !== 'op' || t.v !== v) this.fail(t, `Expected "${v}" ${what}${t.t === 'end' ? ', but the selector ends here' : ''}.`);
    return t;
  }

  parse(): CalicoSelector {
    if (this.peek().t === 'end') return { kind: 'all' };
    const e = this.or();
    const t = this.peek();
    if (t.t !== 'end') {
      if (t.t === 'op' && t.v === ')') this.fail(t, 'This ")" closes no "(".');
      this.fail(t, t.t === 'ident' ? `Expected && or || before "${t.v}".` : `Unexpected "${t.t === 'string' ? `'${t.v}'` : t.v}".`);
    }
    return e;
  }

  private or(): CalicoSelector {
    let left = this.and();
    while (this.isOp('||')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): CalicoSelector {
    let left = this.unary();
    while (this.isOp('&&')) {
      this.next();
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): CalicoSelector {
    if (this.isOp('!')) {
      this.next();
      return { kind: 'not', expr: this.unary() };
    }
    return this.primary();
  }

  private string(what: string): string {
    const t = this.next();
    if (t.t !== 'string') this.fail(t, `Expected a quoted value ${what}${t.t === 'ident' ? ` (write '${t.v}')` : ''}.`);
    return (t as { v: string }).v;
  }

  private primary(): CalicoSelector {
    const t = this.next();
    if (t.t === 'op' && t.v === '(') {
      this.opens.push(t.at);
      const e = this.or();
      const close = this.peek();
      if (!(close.t === 'op' && close.v === ')')) {
        throw new Fail({ offset: t.at, length: 1, message: `This "(" is never closed${close.t === 'end' ? '' : ` (found "${close.t === 'string' ? `'${close.v}'` : (close as { v: string }).v}" where ")" was expected)`}.` });
      }
      this.next();
      this.opens.pop();
      return e;
    }
    if (t.t !== 'ident') this.fail(t, t.t === 'end' ? 'The selector ends where an expression was expected.' : `Expected a label key, has(), all() or global() here.`);
    const word = (t as { v: string }).v;
    if ((word === 'all' || word === 'global' || word === 'has') && this.isOp('(')) {
      this.next();
      if (word === 'has') {
        const k = this.next();
        if (k.t !== 'ident') this.fail(k, 'has() needs a label key, e.g. has(app).');
        this.expectOp(')', 'to close has(');
        return { kind: 'has', key: (k as { v: string }).v };
      }
      this.expectOp(')', `after ${word}(`);
      return { kind: word };
    }
    const key = word;
    const op = this.next();
    if (op.t === 'op' && (op.v === '==' || op.v === '!=')) return { kind: op.v === '==' ? 'eq' : 'ne', key, value: this.string(`after ${op.v}`) };
    if (op.t === 'ident' && op.v === 'in') return { kind: 'in', key, values: this.set() };
    if (op.t === 'ident' && op.v === 'not' && this.peek().t === 'ident' && (this.peek() as { v: string }).v === 'in') {
      this.next();
      return { kind: 'notin', key, values: this.set() };
    }
    if (op.t === 'ident' && op.v === 'contains') return { kind: 'contains', key, value: this.string('after contains') };
    if (op.t === 'ident' && (op.v === 'starts' || op.v === 'ends')) {
      const w = this.next();
      if (w.t !== 'ident' || w.v !== 'with') this.fail(w, `Expected "with" after "${op.v}".`);
      return { kind: op.v === 'starts' ? 'starts' : 'ends', key, value: this.string(`after ${op.v} with`) };
    }
    this.fail(op, op.t === 'end' ? `"${key}" needs a comparison: ==, !=, in, not in, contains, starts with, ends with (or has(${key})).` : `Expected ==, !=, in or not in after "${key}".`);
  }

  private set(): string[] {
    const open = this.expectOp('{', 'to start the set of values');
    const values: string[] = [];
    if (this.isOp('}')) {
      this.next();
      return values;
    }
    for (;;) {
      values.push(this.string('in the set'));
      if (this.isOp(',')) {
        this.next();
        continue;
      }
      if (this.isOp('}')) {
        this.next();
        return values;
      }
      const t = this.peek();
      if (t.t === 'end') throw new Fail({ offset: open.at, length: 1, message: 'This "{" is never closed.' });
      this.fail(t, 'Expected "," or "}" in the set of values.');
    }
  }
}

export function parseCalicoSelector(text: string): SelectorParse {
  try {
    return { ok: true, selector: new Parser(tokenize(text), text).parse() };
  } catch (e) {
    if (e instanceof Fail) return { ok: false, error: e.error };
    return { ok: false, error: { offset: 0, length: Math.max(1, text.length), message: String((e as Error).message) } };
  }
}

/** Whether labels match. `global()` matches only non-namespaced endpoints (network sets without a namespace). */
export function matchesCalico(s: CalicoSelector, labels: Readonly<Record<string, string>>, isGlobal = false): boolean {
  switch (s.kind) {
    case 'all':
      return true;
    case 'global':
      return isGlobal;
    case 'has':
      return s.key in labels;
    case 'eq':
      return labels[s.key] === s.value;
    case 'ne':
      return labels[s.key] !== s.value;
    case 'in':
      return s.key in labels && s.values.includes(labels[s.key]);
    case 'notin':
      return !(s.key in labels) || !s.values.includes(labels[s.key]);
    case 'contains':
      return s.key in labels && labels[s.key].includes(s.value);
    case 'starts':
      return s.key in labels && labels[s.key].startsWith(s.value);
    case 'ends':
      return s.key in labels && labels[s.key].endsWith(s.value);
    case 'not':
      return !matchesCalico(s.expr, labels, isGlobal);
    case 'and':
      return matchesCalico(s.left, labels, isGlobal) && matchesCalico(s.right, labels, isGlobal);
    case 'or':
      return matchesCalico(s.left, labels, isGlobal) || matchesCalico(s.right, labels, isGlobal);
  }
}
