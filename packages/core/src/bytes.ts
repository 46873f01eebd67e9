/** Byte helpers shared by request, message and response handling. */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const utf16le = new TextDecoder('utf-16le');

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
 * The chunks of a body as one run of bytes (the chunk itself when there is one).
 *
 * @example
 * concatBytes([utf8('a'), utf8('b')]); // Uint8Array [97, 98]
 */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const whole = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return whole;
}

/** Chunks under this many bytes are copied together rather than kept one by one. */
const SMALL_CHUNK = 1024;
/** The size of each block small chunks are copied into. */
const BLOCK = 16 * 1024;

/**
 * The chunks of a body as they arrive, for one run of bytes at the end. Each chunk kept costs a
 * couple of hundred bytes of heap besides its bytes, and a chunked body may come one byte per
 * chunk: small chunks are copied into shared blocks instead, so the heap used stays proportional
 * to the body's size, whatever its chunking. Large chunks are kept as they are and copied once,
 * at the end; a body of one chunk is not copied at all.
 *
 * @example
 * const body = new ByteChunks();
 * req.on('data', (chunk: Buffer) => body.push(chunk));
 * req.on('end', () => handle(body.bytes()));
 */
export class ByteChunks {
  /** The bytes pushed so far. */
  size = 0;
  #first: Uint8Array | undefined;
  /** Whether more than one chunk came: from then on, every chunk is in `#kept` or the block. */
  #many = false;
  #kept: Uint8Array[] = [];
  #block: Uint8Array | undefined;
  /** Where the bytes of the block not yet in `#kept` begin, and where they end. */
  #from = 0;
  #to = 0;

  /** How many arrays are kept, to be joined by `bytes()`. */
  get pieces(): number {
    return (this.#first === undefined ? 0 : 1) + this.#kept.length + (this.#to > this.#from ? 1 : 0);
  }

  /** Adds `chunk` after the bytes pushed before. */
  push(chunk: Uint8Array): void {
    this.size += chunk.byteLength;
    if (!this.#many) {
      // Most bodies are one chunk: it is kept as it is until a second one comes.
      this.#many = this.#first !== undefined;
      if (!this.#many) {
        this.#first = chunk;
        return;
      }
      this.#add(this.#first as Uint8Array);
      this.#first = undefined;
    }
    this.#add(chunk);
  }

  /** The bytes pushed, as a plain `Uint8Array`: the only chunk's own bytes, or all of them joined. */
  bytes(): Uint8Array {
    const first = this.#first;
    if (first !== undefined) return new Uint8Array(first.buffer, first.byteOffset, first.byteLength);
    this.#settle();
    return new Uint8Array(Buffer.concat(this.#kept, this.size));
  }

  #add(chunk: Uint8Array): void {
    const length = chunk.byteLength;
    if (length >= SMALL_CHUNK) {
      this.#settle();
      this.#kept.push(chunk);
      return;
    }
    let block = this.#block;
    if (block === undefined || block.byteLength - this.#to < length) {
      this.#settle();
      block = Buffer.allocUnsafeSlow(BLOCK);
      this.#block = block;
      this.#from = 0;
      this.#to = 0;
    }
    block.set(chunk, this.#to);
    this.#to += length;
  }

  /** Keeps the block's pending bytes as one piece, so a large chunk added next stays after them. */
  #settle(): void {
    if (this.#block === undefined || this.#to === this.#from) return;
    this.#kept.push(this.#block.subarray(this.#from, this.#to));
    this.#from = this.#to;
  }
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

/**
 * What windows-1252 maps 0x80 to 0x9F to (the euro sign, curly quotes, dashes...). Some Node
 * releases (20.18.3 on, 22.13 on) decode them as C1 control characters instead.
 */
const WINDOWS_1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)/i;

/**
 * The `charset` a content type names, lower case (`undefined` when it names none).
 *
 * @example
 * charsetOf('text/plain; charset="ISO-8859-1"'); // 'iso-8859-1'
 */
export function charsetOf(contentType: string | undefined): string | undefined {
  return contentType === undefined ? undefined : CHARSET.exec(contentType)?.[1]?.toLowerCase();
}

/**
 * Bytes as text in the charset `label` names, as the WHATWG Encoding Standard maps labels
 * (`latin1`, `iso-8859-1` and `us-ascii` are windows-1252); UTF-8 when `label` is absent or no
 * decoder knows it. Invalid sequences become U+FFFD.
 *
 * @example
 * decodeText(new Uint8Array([0x63, 0x61, 0x66, 0xe9]), 'iso-8859-1'); // 'café'
 * decodeText(new Uint8Array([0x80]), 'windows-1252'); // '€'
 */
export function decodeText(bytes: Uint8Array, label?: string): string {
  if (label === undefined) return fromUtf8(bytes);
  let textDecoder: InstanceType<typeof TextDecoder>;
  try {
    textDecoder = new TextDecoder(label);
  } catch {
    return fromUtf8(bytes);
  }
  return textDecoder.encoding === 'windows-1252' ? fromWindows1252(bytes) : textDecoder.decode(bytes);
}

/**
 * windows-1252 text: Latin-1 but for 0x80 to 0x9F (see `WINDOWS_1252_HIGH`), written out as
 * UTF-16LE code units for the native decoder, which is many times faster than building a string.
 */
function fromWindows1252(bytes: Uint8Array): string {
  const units = new Uint8Array(bytes.length * 2);
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    const unit = byte >= 0x80 && byte <= 0x9f ? (WINDOWS_1252_HIGH[byte - 0x80] as number) : byte;
    units[2 * i] = unit & 0xff;
    units[2 * i + 1] = unit >> 8;
  }
  return utf16le.decode(units);
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
