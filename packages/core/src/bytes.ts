/** Byte helpers shared by request, message and response handling. */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * UTF-8 bytes of a string.
 *
 * @example
 * utf8('é'); // Uint8Array [195, 169]
 */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * A string from UTF-8 bytes (invalid sequences become U+FFFD).
 *
 * @example
 * fromUtf8(new Uint8Array([104, 105])); // 'hi'
 */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** The UTF-8 length of a string, without encoding it when the answer is obviously small. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Whether a string is strict base64 (standard alphabet, correct padding).
 *
 * @example
 * isBase64('aGk='); // true
 * isBase64('hi there'); // false
 */
export function isBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

/**
 * Decodes base64 into bytes, or returns `undefined` when the text is not strict base64.
 * Platforms sometimes flag a body as base64 when it is not; callers then keep the text.
 *
 * @example
 * decodeBase64(event.body) ?? utf8(event.body);
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  if (!isBase64(text)) return undefined;
  const buffer = Buffer.from(text, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * Base64 of bytes.
 *
 * @example
 * encodeBase64(new Uint8Array([104, 105])); // 'aGk='
 */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
