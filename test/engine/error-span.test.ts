// Where a YAML error is shown: the parser's positions, widened to something visible and kept off line breaks.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { errorSpan } from '../../server/src/engine/parse/parse';

const shown = (text: string, start: number, end: number) => {
  const s = errorSpan(text, start, end);
  return JSON.stringify(text.slice(s.start, s.end));
};

test('an error range that runs onto a line break ends before it (LF, CRLF, lone CR)', () => {
  assert.equal(shown('key: value\nnext: 1\n', 5, 11), '"value"');
  assert.equal(shown('key: value\r\nnext: 1\r\n', 5, 12), '"value"');
  assert.equal(shown('key: value\r\nnext: 1\r\n', 5, 11), '"value"', 'never between CR and LF');
  assert.equal(shown('key: value\rnext: 1\r', 5, 11), '"value"');
});

test('an error at a line break points at the last visible character before it', () => {
  assert.equal(shown('key: [a, b\nnext: 1\n', 10, 11), '"b"');
  assert.equal(shown('key: [a, b  \r\nnext: 1\r\n', 12, 13), '"b"');
});

test('an error on indentation moves to the token after it; one at the end of the text to the last visible character', () => {
  assert.equal(shown('a:\n    bad: [\n', 3, 4), '"bad"');
  assert.equal(shown('a: b\n\n', 6, 6), '"b"');
});

test('a one-character error widens to its token', () => {
  assert.equal(shown('kind: NetworkPolicy\n', 6, 7), '"NetworkPolicy"');
});
