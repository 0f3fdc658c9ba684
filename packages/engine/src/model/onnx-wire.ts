/**
 * The protobuf wire format, as far as rewriting an ONNX model needs it: a message's fields as
 * byte ranges of the original (so unchanged fields are copied, never decoded), and a writer of new
 * ones. Field numbers are onnx.proto3's (see the modules that use this one).
 */

export const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

export interface Field {
  number: number;
  wireType: number;
  /** The whole field (tag included), for copying it unchanged. */
  start: number;
  end: number;
  /** A length-delimited field's payload starts here (its end is `end`). */
  payloadStart: number;
  /** A varint field's value (exact up to 2^53). */
  value: number;
}

/** The fields of the message `bytes[start, end)`. Throws on anything that is not well-formed protobuf. */
export function* fields(bytes: Uint8Array, start = 0, end = bytes.byteLength): Generator<Field> {
  let at = start;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (at >= end) throw new Error('truncated varint');
      const byte = bytes[at++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
      if (scale > 2 ** 63) throw new Error('varint too long');
    }
  };
  while (at < end) {
    const fieldStart = at;
    const tag = varint();
    const wireType = tag % 8;
    const number = Math.floor(tag / 8);
    let payloadStart = at;
    let value = 0;
    if (wireType === WIRE_VARINT) value = varint();
    else if (wireType === WIRE_FIXED64) at += 8;
    else if (wireType === WIRE_FIXED32) at += 4;
    else if (wireType === WIRE_BYTES) {
      const length = varint();
      payloadStart = at;
      at += length;
    } else throw new Error(`unsupported wire type ${wireType}`);
    if (at > end) throw new Error('field runs past its message');
    yield { number, wireType, start: fieldStart, end: at, payloadStart, value };
  }
}

/** A repeated integer field's values at one occurrence: one varint, or a packed run of them. */
export function integers(bytes: Uint8Array, field: Field): number[] {
  if (field.wireType !== WIRE_BYTES) return [field.value];
  const out: number[] = [];
  let value = 0;
  let scale = 1;
  for (let at = field.payloadStart; at < field.end; at++) {
    value += (bytes[at] & 0x7f) * scale;
    scale *= 128;
    if (bytes[at] < 0x80) {
      out.push(value);
      value = 0;
      scale = 1;
    }
  }
  return out;
}

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** A string field's text. */
export function text(bytes: Uint8Array, field: Field): string {
  return utf8Decoder.decode(bytes.subarray(field.payloadStart, field.end));
}

/** A varint's bytes; negative numbers as 64-bit two's complement, as protobuf writes an int64. */
function encodeVarint(value: number): number[] {
  let rest = value < 0 ? BigInt.asUintN(64, BigInt(value)) : BigInt(value);
  const out: number[] = [];
  while (rest >= 0x80n) {
    out.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  out.push(Number(rest));
  return out;
}

/** A message being written, as byte chunks; views of an original are not copied until `finish`. */
export class Writer {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  raw(chunk: Uint8Array): this {
    this.chunks.push(chunk);
    this.length += chunk.byteLength;
    return this;
  }

  varint(number: number, value: number): this {
    return this.raw(Uint8Array.from([...encodeVarint(number * 8 + WIRE_VARINT), ...encodeVarint(value)]));
  }

  bytes(number: number, payload: Writer | Uint8Array): this {
    const length = payload instanceof Writer ? payload.length : payload.byteLength;
    this.raw(Uint8Array.from([...encodeVarint(number * 8 + WIRE_BYTES), ...encodeVarint(length)]));
    if (payload instanceof Writer) for (const chunk of payload.chunks) this.raw(chunk);
    else this.raw(payload);
    return this;
  }

  string(number: number, value: string): this {
    return this.bytes(number, utf8Encoder.encode(value));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    return out;
  }
}
