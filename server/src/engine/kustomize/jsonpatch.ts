import { clone, sameValue, type Origin, type RNode } from './tree';

/**
 * JSON Patch (RFC 6902) over origin-keeping trees: add, remove, replace, move, copy and test, with JSON
 * Pointer escapes (`~1` for `/`, `~0` for `~`) and `-` for the end of an array. A value the patch writes
 * points at the operation's `value`; a moved or copied value keeps where it was written. A JSON Patch
 * library would change plain objects and lose those origins, hence this small implementation.
 */

export interface PatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: RNode;
  /** The operation in the patch text. */
  at: Origin;
}

export class PatchError extends Error {}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`"${pointer}" is not a JSON Pointer (it must start with "/")`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function index(token: string, length: number, allowEnd: boolean): number {
  if (token === '-' && allowEnd) return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError(`"${token}" is not an array index`);
  const i = Number(token);
  if (i > length || (!allowEnd && i >= length)) throw new PatchError(`index ${i} is out of range (the array has ${length} items)`);
  return i;
}

function walk(root: RNode, tokens: string[], pointer: string): RNode {
  let cur = root;
  for (const t of tokens) {
    let next: RNode | undefined;
    if (cur.kind === 'map') next = cur.items.get(t);
    else if (cur.kind === 'seq') next = cur.items[index(t, cur.items.length, false)];
    if (!next) throw new PatchError(`${pointer}: no value at "${t}"`);
    cur = next;
  }
  return cur;
}

function getAt(root: RNode, pointer: string): RNode {
  return walk(root, parsePointer(pointer), pointer);
}

function remove(root: RNode, pointer: string): RNode {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) throw new PatchError('cannot remove the whole document');
  const parent = walk(root, tokens.slice(0, -1), pointer);
  const last = tokens[tokens.length - 1];
  if (parent.kind === 'map') {
    const v = parent.items.get(last);
    if (!v) throw new PatchError(`${pointer}: nothing to remove`);
    parent.items.delete(last);
    return v;
  }
  if (parent.kind === 'seq') return parent.items.splice(index(last, parent.items.length, false), 1)[0];
  throw new PatchError(`${pointer}: the parent is not an object or array`);
}

/** Add (or, with `replace`, replace) a value; returns the new root. */
function put(root: RNode, pointer: string, value: RNode, replace: boolean): RNode {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const parent = walk(root, tokens.slice(0, -1), pointer);
  const last = tokens[tokens.length - 1];
  if (parent.kind === 'map') {
    const old = parent.items.get(last);
    if (replace && !old) throw new PatchError(`${pointer}: nothing to replace`);
    value.key = old?.key ?? value.key ?? value.at;
    parent.items.set(last, value);
    return root;
  }
  if (parent.kind === 'seq') {
    if (replace) parent.items[index(last, parent.items.length, false)] = value;
    else parent.items.splice(index(last, parent.items.length, true), 0, value);
    return root;
  }
  throw new PatchError(`${pointer}: the parent is not an object or array`);
}

/** Apply operations in order; throws PatchError (with the operation's text) on the first that fails. */
export function applyJsonPatch(root: RNode, ops: readonly PatchOperation[]): RNode {
  let doc = root;
  for (const op of ops) {
    switch (op.op) {
      case 'add':
      case 'replace':
        if (!op.value) throw new PatchError(`${op.op} ${op.path}: no value`);
        doc = put(doc, op.path, clone(op.value), op.op === 'replace');
        break;
      case 'remove':
        remove(doc, op.path);
        break;
      case 'move': {
        if (op.from === undefined) throw new PatchError(`move ${op.path}: no "from"`);
        if (op.path.startsWith(op.from + '/')) throw new PatchError(`move ${op.path}: cannot move a value into itself`);
        const v = remove(doc, op.from);
        doc = put(doc, op.path, v, false);
        break;
      }
      case 'copy': {
        if (op.from === undefined) throw new PatchError(`copy ${op.path}: no "from"`);
        doc = put(doc, op.path, clone(getAt(doc, op.from)), false);
        break;
      }
      case 'test': {
        if (!op.value) throw new PatchError(`test ${op.path}: no value`);
        if (!sameValue(getAt(doc, op.path), op.value)) throw new PatchError(`test ${op.path}: the value differs`);
        break;
      }
      default:
        throw new PatchError(`unknown operation "${op.op}"`);
    }
  }
  return doc;
}
