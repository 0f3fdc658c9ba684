import { externalData, GRAPH, MODEL, TENSOR } from './onnx-fields';
import { type Field, fields, WIRE_BYTES, Writer } from './onnx-wire';

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
 * Only ModelProto.graph → GraphProto.initializer → TensorProto.raw_data are read (onnx-wire.ts);
 * every other field is copied byte for byte.
 */

/** Initializers smaller than this stay inline (shapes, scalars): moving them saves nothing. */
const MIN_EXTERNAL_BYTES = 1024;

/** One initializer, its large raw_data replaced by a reference into the original bytes; null if kept as is. */
function externalTensor(bytes: Uint8Array, tensor: Field, location: string): Writer | null {
  const own = [...fields(bytes, tensor.payloadStart, tensor.end)];
  const raw = own.find((f) => f.number === TENSOR.rawData && f.wireType === WIRE_BYTES);
  const external = own.some((f) => f.number === TENSOR.dataLocation || f.number === TENSOR.externalData);
  if (!raw || external || raw.end - raw.payloadStart < MIN_EXTERNAL_BYTES) return null;
  const w = new Writer();
  for (const f of own) if (f !== raw) w.raw(bytes.subarray(f.start, f.end));
  return externalData(w, location, raw.payloadStart, raw.end - raw.payloadStart);
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
      if (field.number !== MODEL.graph || field.wireType !== WIRE_BYTES) {
        out.raw(model.subarray(field.start, field.end));
        continue;
      }
      const graph = new Writer();
      for (const g of fields(model, field.payloadStart, field.end)) {
        const tensor =
          g.number === GRAPH.initializer && g.wireType === WIRE_BYTES ? externalTensor(model, g, location) : null;
        if (tensor) {
          graph.bytes(GRAPH.initializer, tensor);
          moved++;
        } else graph.raw(model.subarray(g.start, g.end));
      }
      out.bytes(MODEL.graph, graph);
    }
    return moved > 0 ? out.finish() : null;
  } catch {
    return null;
  }
}
