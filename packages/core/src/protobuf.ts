/**
 * A reader of the protobuf wire format, for the few protobuf payloads adapters meet (Firestore
 * events from Eventarc, KPL-aggregated Kinesis records). It reads fields one at a time; the
 * schema is the caller's code. Every way bytes can fail to be a message (cut short, a varint
 * over 10 bytes, a length past the end, invalid UTF-8 in a string, a group) throws a
 * `MalformedProtobuf` saying which.
 */

/**
 * Why bytes are not the protobuf message a reader expected.
 *
 * @example
 * try { read(bytes) } catch (error) { if (error instanceof MalformedProtobuf) refuse(error.message); }
 */
export class MalformedProtobuf extends Error {
  override readonly name = 'MalformedProtobuf';
}

/** The wire type of varints (`int64`, `uint64`, `bool`, enums). */
export const VARINT = 0;
/** The wire type of `double`, `fixed64`, `sfixed64`. */
export const FIXED64 = 1;
/** The wire type of strings, bytes, messages and packed repeated fields. */
export const LENGTH_DELIMITED = 2;
/** The wire type of `float`, `fixed32`, `sfixed32`. */
export const FIXED32 = 5;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A reader over one message: the bytes from `start` to `end`. `message()` gives a reader of a
 * nested message; fields a schema does not name are passed over with `skip()`.
 *
 * @example
 * const reader = new ProtobufReader(bytes);
 * while (!reader.done) {
 *   const [field, wireType] = reader.tag();
 *   if (field === 1 && wireType === LENGTH_DELIMITED) name = reader.string();
 *   else reader.skip(wireType);
 * }
 */
export class ProtobufReader {
  readonly #bytes: Uint8Array;
  #pos: number;
  readonly #end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.byteLength) {
    this.#bytes = bytes;
    this.#pos = start;
    this.#end = end;
  }

  /** Whether every field of the message has been read. */
  get done(): boolean {
    return this.#pos >= this.#end;
  }

  #byte(): number {
    if (this.#pos >= this.#end) throw new MalformedProtobuf('the data ends inside a field');
    return this.#bytes[this.#pos++] as number;
  }

  /** An unsigned varint of up to 64 bits (`BigInt.asIntN(64, v)` reads it as an `int64`). */
  varint(): bigint {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = this.#byte();
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, value);
    }
    throw new MalformedProtobuf('a varint is longer than 10 bytes');
  }

  /** A varint used as a tag or a length: it must fit in 31 bits. */
  #small(): number {
    const value = this.varint();
    if (value > 0x7fff_ffffn) throw new MalformedProtobuf('a tag or length is too large');
    return Number(value);
  }

  /** The next field's number and wire type. */
  tag(): [field: number, wireType: number] {
    const key = this.#small();
    const field = key >>> 3;
    if (field === 0) throw new MalformedProtobuf('a field number is 0');
    return [field, key & 7];
  }

  /** A length-delimited field as a reader of its own. */
  message(): ProtobufReader {
    const length = this.#small();
    const start = this.#pos;
    if (length > this.#end - start) throw new MalformedProtobuf('a field is longer than the data');
    this.#pos = start + length;
    return new ProtobufReader(this.#bytes, start, start + length);
  }

  /** A length-delimited field's bytes, copied out of the payload into a plain `Uint8Array`. */
  bytes(): Uint8Array {
    const inner = this.message();
    return new Uint8Array(inner.#bytes.subarray(inner.#pos, inner.#end));
  }

  /** A length-delimited field as UTF-8 text (protobuf strings must be valid UTF-8). */
  string(): string {
    const inner = this.message();
    try {
      return utf8.decode(inner.#bytes.subarray(inner.#pos, inner.#end));
    } catch {
      throw new MalformedProtobuf('a string is not valid UTF-8');
    }
  }

  /** A little-endian IEEE 754 double. */
  double(): number {
    if (this.#end - this.#pos < 8) throw new MalformedProtobuf('the data ends inside a double');
    const view = new DataView(this.#bytes.buffer, this.#bytes.byteOffset + this.#pos, 8);
    this.#pos += 8;
    return view.getFloat64(0, true);
  }

  /** Passes over a field the schema does not name. */
  skip(wireType: number): void {
    if (wireType === VARINT) this.varint();
    else if (wireType === LENGTH_DELIMITED) this.message();
    else if (wireType === FIXED64 || wireType === FIXED32) {
      const size = wireType === FIXED64 ? 8 : 4;
      if (this.#end - this.#pos < size) throw new MalformedProtobuf('the data ends inside a field');
      this.#pos += size;
    } else throw new MalformedProtobuf(`wire type ${wireType} is not used by this schema`);
  }

  /** Checks that a field the schema names came with the wire type the schema gives it. */
  expect(wireType: number, expected: number, field: string): void {
    if (wireType !== expected) throw new MalformedProtobuf(`${field} has wire type ${wireType}, expected ${expected}`);
  }
}
