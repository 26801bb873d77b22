/** UTF-8, without the platform's TextEncoder and TextDecoder (the engine runs on ES2022 alone). */

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as Go writes them). */
export function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/**
 * The text of UTF-8 bytes [start, end), decoded as the WHATWG Encoding Standard (and so TextDecoder and
 * Node's Buffer) decode: each maximal invalid subpart reads as one U+FFFD.
 */
export function utf8Text(b: Uint8Array, start = 0, end = b.length): string {
  const units: number[] = [];
  let out = '';
  for (let i = start; i < end; ) {
    const c = b[i];
    let cp = 0xfffd;
    let need = 0;
    let lower = 0x80;
    let upper = 0xbf;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c <= 0xdf) [need, cp] = [1, c & 0x1f];
    else if (c >= 0xe0 && c <= 0xef) {
      [need, cp] = [2, c & 0x0f];
      if (c === 0xe0) lower = 0xa0;
      if (c === 0xed) upper = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      [need, cp] = [3, c & 0x07];
      if (c === 0xf0) lower = 0x90;
      if (c === 0xf4) upper = 0x8f;
    }
    let j = i + 1;
    let k = 0;
    for (; k < need && j < end; k++, j++) {
      const x = b[j];
      if (x < lower || x > upper) break;
      [lower, upper] = [0x80, 0xbf];
      cp = (cp << 6) | (x & 0x3f);
    }
    if (k < need) cp = 0xfffd;
    if (cp >= 0x10000) units.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
    else units.push(cp);
    i = j;
    if (units.length >= 4096) {
      out += String.fromCharCode(...units);
      units.length = 0;
    }
  }
  return out + String.fromCharCode(...units);
}
