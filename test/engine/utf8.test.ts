import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { utf8, utf8Text } from '../../server/src/engine/text/utf8';

test('UTF-8: the engine encodes as Node does and decodes as TextDecoder does, invalid and cut sequences included', () => {
  const texts = ['', 'plain ascii', 'été', '€ and 𝄞 (four bytes)', 'api.bücher.example', '日本語', 'a\u0000b'];
  for (const t of texts) {
    assert.deepEqual([...utf8(t)], [...Buffer.from(t, 'utf8')], t);
    assert.equal(utf8Text(utf8(t)), t);
  }
  const decoder = new TextDecoder();
  // Overlong forms, surrogates, past U+10FFFF, lone continuation bytes, cut sequences, bytes never in UTF-8.
  const invalid = [
    [0xc0, 0xaf],
    [0xe0, 0x80, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf4, 0x90, 0x80, 0x80],
    [0x80, 0x41],
    [0xe2, 0x82],
    [0xe2, 0x82, 0x41],
    [0xf0, 0x9d, 0x84],
    [0xff, 0xfe, 0x41],
    [0x41, 0xc3],
  ];
  for (const bytes of invalid) {
    const b = Uint8Array.from(bytes);
    assert.equal(utf8Text(b), decoder.decode(b), bytes.map((x) => x.toString(16)).join(' '));
  }
  // A slice of a larger buffer, and text longer than one batch of code units.
  const long = 'é'.repeat(5000) + '€';
  const b = utf8(`xx${long}yy`);
  assert.equal(utf8Text(b, 2, b.length - 2), long);
});
