/**
 * The operators an ONNX model's main graph uses, read from the file's protobuf without decoding its
 * weights: initializers are skipped by their length, only the nodes are read. The engine needs this
 * because onnxruntime's session does not say which operators it runs, and some change how a batch
 * must be laid out (`kvLayoutOf` in decode/kv.ts).
 */

/** Reads a Blob in windows, so that skipping a large initializer costs nothing. */
class BlobReader {
  private window = new Uint8Array(0);
  private start = 0;

  constructor(private readonly blob: Blob) {}

  get size(): number {
    return this.blob.size;
  }

  /** At least `length` bytes from `offset` (fewer at the end of the file). */
  async bytes(offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(offset + length, this.blob.size);
    if (offset < this.start || end > this.start + this.window.length) {
      this.start = offset;
      const to = Math.min(this.blob.size, offset + Math.max(length, 1 << 16));
      this.window = new Uint8Array(await this.blob.slice(offset, to).arrayBuffer());
    }
    return this.window.subarray(offset - this.start, end - this.start);
  }
}

/** A protobuf varint from `bytes` at `at`: its value and the position after it. */
function varint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length; i++) {
    value += (bytes[i] & 0x7f) * scale;
    if (bytes[i] < 0x80) return [value, i + 1];
    scale *= 128;
  }
  throw new Error('Not an ONNX model: a varint runs past the end of the file.');
}

interface Field {
  field: number;
  /** Where the field's payload starts and ends (for length-delimited fields: the bytes; else the value's bytes). */
  start: number;
  end: number;
}

/** The fields of the message in [from, to), one after the other, payloads unread. */
async function* fields(reader: BlobReader, from: number, to: number): AsyncGenerator<Field> {
  let at = from;
  while (at < to) {
    const head = await reader.bytes(at, 20);
    const [tag, afterTag] = varint(head, 0);
    const wire = tag % 8;
    let start = at + afterTag;
    let end: number;
    if (wire === 0) end = at + varint(head, afterTag)[1];
    else if (wire === 1) end = start + 8;
    else if (wire === 5) end = start + 4;
    else if (wire === 2) {
      const [length, afterLength] = varint(head, afterTag);
      start = at + afterLength;
      end = start + length;
    } else throw new Error(`Not an ONNX model: wire type ${wire}.`);
    if (end > to) throw new Error('Not an ONNX model: a field runs past its message.');
    yield { field: Math.floor(tag / 8), start, end };
    at = end;
  }
}

const ModelProto = { graph: 7 };
const GraphProto = { node: 1 };
const NodeProto = { opType: 4, domain: 7 };

/**
 * Operator types of the model's main graph, as `domain:opType` for operators outside the default
 * domain (`com.microsoft:GroupQueryAttention`) and as the bare type for ONNX's own (`MatMul`).
 */
export async function graphOperators(file: Blob): Promise<Set<string>> {
  const reader = new BlobReader(file);
  const ops = new Set<string>();
  const text = new TextDecoder();
  for await (const model of fields(reader, 0, reader.size)) {
    if (model.field !== ModelProto.graph) continue;
    for await (const graph of fields(reader, model.start, model.end)) {
      if (graph.field !== GraphProto.node) continue;
      let opType = '';
      let domain = '';
      for await (const node of fields(reader, graph.start, graph.end)) {
        if (node.field !== NodeProto.opType && node.field !== NodeProto.domain) continue;
        const value = text.decode(await reader.bytes(node.start, node.end - node.start));
        if (node.field === NodeProto.opType) opType = value;
        else domain = value;
      }
      ops.add(domain && domain !== 'ai.onnx' ? `${domain}:${opType}` : opType);
    }
  }
  return ops;
}
