/**
 * An ONNX model file whose weights stay where they are: the graph is re-encoded with every large
 * initializer marked as external data (ONNX's `data_location: EXTERNAL`, `location`/`offset`/`length`)
 * whose "file" is the original model bytes themselves, at the offset where that initializer's
 * `raw_data` already lies. Nothing is copied: the new graph holds only the small parts.
 *
 * Why: onnxruntime-web copies a model handed to it as bytes whole into the wasm heap, parses it
 * there (a second copy) and builds its tensors from that (a third); the wasm memory keeps that
 * high-water mark for good. External data is instead read tensor by tensor straight from the
 * JavaScript buffer into each tensor's own memory (or its GPU buffer), so the heap only ever holds
 * the weights once.
 *
 * Only the protobuf wire format is read (ModelProto.graph → GraphProto.initializer →
 * TensorProto.raw_data); every other field is copied byte for byte.
 */

/** Initializers smaller than this stay inline (shapes, scalars): moving them saves nothing. */
const MIN_EXTERNAL_BYTES = 1024;

// Field numbers of onnx.proto3.
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;
const DATA_LOCATION_EXTERNAL = 1;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

interface Field {
  number: number;
  wireType: number;
  /** The whole field (tag included), for copying it unchanged. */
  start: number;
  end: number;
  /** A length-delimited field's payload. */
  payloadStart: number;
}

/** The fields of one message, `bytes[start, end)`. Throws on anything that is not well-formed protobuf. */
function* fields(bytes: Uint8Array, start: number, end: number): Generator<Field> {
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
    if (wireType === WIRE_VARINT) varint();
    else if (wireType === WIRE_FIXED64) at += 8;
    else if (wireType === WIRE_FIXED32) at += 4;
    else if (wireType === WIRE_BYTES) {
      const length = varint();
      payloadStart = at;
      at += length;
    } else throw new Error(`unsupported wire type ${wireType}`);
    if (at > end) throw new Error('field runs past its message');
    yield { number, wireType, start: fieldStart, end: at, payloadStart };
  }
}

function encodeVarint(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}

/** Byte chunks of a message being written; views of the original bytes are not copied until the end. */
class Writer {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  raw(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.byteLength;
  }

  varintField(number: number, value: number): void {
    this.raw(Uint8Array.from([...encodeVarint(number * 8 + WIRE_VARINT), ...encodeVarint(value)]));
  }

  bytesField(number: number, payload: Writer | Uint8Array): void {
    const length = payload instanceof Writer ? payload.length : payload.byteLength;
    this.raw(Uint8Array.from([...encodeVarint(number * 8 + WIRE_BYTES), ...encodeVarint(length)]));
    if (payload instanceof Writer) for (const chunk of payload.chunks) this.raw(chunk);
    else this.raw(payload);
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

const utf8 = new TextEncoder();

function entry(key: string, value: string): Writer {
  const w = new Writer();
  w.bytesField(ENTRY_KEY, utf8.encode(key));
  w.bytesField(ENTRY_VALUE, utf8.encode(value));
  return w;
}

/** One initializer, its large raw_data replaced by a reference into the original bytes; null if kept as is. */
function externalTensor(bytes: Uint8Array, tensor: Field, location: string): Writer | null {
  const own = [...fields(bytes, tensor.payloadStart, tensor.end)];
  const raw = own.find((f) => f.number === TENSOR_RAW_DATA && f.wireType === WIRE_BYTES);
  const external = own.some((f) => f.number === TENSOR_DATA_LOCATION || f.number === TENSOR_EXTERNAL_DATA);
  if (!raw || external || raw.end - raw.payloadStart < MIN_EXTERNAL_BYTES) return null;
  const w = new Writer();
  for (const f of own) if (f !== raw) w.raw(bytes.subarray(f.start, f.end));
  w.bytesField(TENSOR_EXTERNAL_DATA, entry('location', location));
  w.bytesField(TENSOR_EXTERNAL_DATA, entry('offset', String(raw.payloadStart)));
  w.bytesField(TENSOR_EXTERNAL_DATA, entry('length', String(raw.end - raw.payloadStart)));
  w.varintField(TENSOR_DATA_LOCATION, DATA_LOCATION_EXTERNAL);
  return w;
}

/**
 * `model` (an ONNX ModelProto) with its main graph's large initializers moved out to external data
 * named `location`, whose bytes are `model` itself (offsets into it). Null when nothing would move,
 * or when the bytes are not a model this reader understands (the caller then uses them unchanged).
 */
export function moveWeightsOutOfGraph(model: Uint8Array, location: string): Uint8Array | null {
  try {
    const out = new Writer();
    let moved = 0;
    for (const field of fields(model, 0, model.byteLength)) {
      if (field.number !== MODEL_GRAPH || field.wireType !== WIRE_BYTES) {
        out.raw(model.subarray(field.start, field.end));
        continue;
      }
      const graph = new Writer();
      for (const g of fields(model, field.payloadStart, field.end)) {
        const tensor = g.number === GRAPH_INITIALIZER && g.wireType === WIRE_BYTES ? externalTensor(model, g, location) : null;
        if (tensor) {
          graph.bytesField(GRAPH_INITIALIZER, tensor);
          moved++;
        } else graph.raw(model.subarray(g.start, g.end));
      }
      out.bytesField(MODEL_GRAPH, graph);
    }
    return moved > 0 ? out.finish() : null;
  } catch {
    return null;
  }
}
