import {
  externalTensor,
  GRAPH,
  intAttribute,
  MODEL,
  NODE,
  ATTRIBUTE,
  type ExternalTensor,
  type OnnxNode,
  parseExternalTensor,
  parseNode,
} from './onnx-fields';
import { fields, text, WIRE_BYTES, Writer } from './onnx-wire';

/**
 * onnxruntime-web's WASM build has no 4-bit matrix kernel: every MatMulNBits call dequantizes its
 * whole weight into a float32 scratch buffer of K × N × 4 bytes and multiplies by that. For a tied
 * 152k-vocabulary lm_head that is 545 MB, held in the wasm heap whose size never shrinks. Splitting
 * such a node along N into parts whose scratch fits `SCRATCH_BYTES`, and concatenating their outputs,
 * computes every output column as before (each column only ever depends on its own weights) with
 * the same total work, and bounds the scratch. The parts' weights are slices of the same bytes
 * (B, scales, zero points and bias are all laid out N-major), so nothing is copied.
 *
 * Works on a graph whose weights are external (external-weights.ts). Nodes with a g_idx input, with
 * weights shared with another node, or that are not large are left as they are. Only for the CPU
 * (WASM) execution provider: GPU kernels read the 4-bit weights directly.
 */
const SCRATCH_BYTES = 16 * 2 ** 20;

// MatMulNBits' inputs.
const B = 1;
const G_IDX = 4;
/** The inputs holding per-column data, sliced with B: B, scales, zero_points, bias. */
const PER_COLUMN = [1, 2, 3, 5];

interface Split {
  node: OnnxNode;
  /** Rows of N in each part. */
  parts: number[];
  /** The initializer of each per-column input (by input index). */
  weights: Map<number, ExternalTensor>;
}

function plan(
  node: OnnxNode,
  initializers: Map<string, ExternalTensor>,
  uses: Map<string, number>,
  scratchBytes: number,
): Split | null {
  if (node.opType !== 'MatMulNBits' || node.domain !== 'com.microsoft') return null;
  const k = node.ints.get('K');
  const n = node.ints.get('N');
  if (!k || !n || k * n * 4 <= scratchBytes || node.inputs[G_IDX]) return null;
  const weights = new Map<number, ExternalTensor>();
  for (const index of PER_COLUMN) {
    const name = node.inputs[index];
    if (!name) continue;
    const tensor = initializers.get(name);
    if (!tensor || uses.get(name) !== 1 || tensor.length % n !== 0 || tensor.dims[0] % n !== 0) return null;
    weights.set(index, tensor);
  }
  if (!weights.has(B)) return null;
  const rows = Math.max(1, Math.floor(scratchBytes / (k * 4)));
  const count = Math.ceil(n / rows);
  const parts = Array.from(
    { length: count },
    (_, i) => Math.floor((n * (i + 1)) / count) - Math.floor((n * i) / count),
  );
  return { node, parts, weights };
}

/** The node's parts and their Concat, and the parts' weights (slices of the original ones). */
function write(bytes: Uint8Array, split: Split, nodes: Writer[], initializers: Writer[]): void {
  const { node, parts, weights } = split;
  const n = node.ints.get('N')!;
  const output = node.outputs[0];
  const partOutputs: string[] = [];
  let start = 0;
  for (const [i, rows] of parts.entries()) {
    const inputs = [...node.inputs];
    for (const [index, tensor] of weights) {
      const name = `${tensor.name}/inpage_part${i}`;
      const rowBytes = tensor.length / n;
      const dims = [(tensor.dims[0] / n) * rows, ...tensor.dims.slice(1)];
      initializers.push(
        externalTensor(name, dims, tensor.dataType, tensor.location, tensor.offset + start * rowBytes, rows * rowBytes),
      );
      inputs[index] = name;
    }
    const partOutput = `${output}/inpage_part${i}`;
    partOutputs.push(partOutput);
    const w = new Writer();
    for (const input of inputs) w.string(NODE.input, input);
    w.string(NODE.output, partOutput).string(NODE.name, `${node.name || output}/inpage_part${i}`);
    for (const f of fields(bytes, node.field.payloadStart, node.field.end)) {
      if (f.number === NODE.opType || f.number === NODE.domain) w.raw(bytes.subarray(f.start, f.end));
      if (f.number !== NODE.attribute) continue;
      const name = [...fields(bytes, f.payloadStart, f.end)].find((a) => a.number === ATTRIBUTE.name);
      if (name && text(bytes, name) === 'N') w.bytes(NODE.attribute, intAttribute('N', rows));
      else w.raw(bytes.subarray(f.start, f.end));
    }
    nodes.push(w);
    start += rows;
  }
  const concat = new Writer();
  for (const partOutput of partOutputs) concat.string(NODE.input, partOutput);
  concat.string(NODE.output, output).string(NODE.name, `${output}/inpage_concat`).string(NODE.opType, 'Concat');
  nodes.push(concat.bytes(NODE.attribute, intAttribute('axis', -1)));
}

/** `model` with its large MatMulNBits nodes split as above, or null when there is none. */
export function splitWideMatMulNBits(model: Uint8Array, scratchBytes = SCRATCH_BYTES): Uint8Array | null {
  try {
    const graphField = [...fields(model)].find((f) => f.number === MODEL.graph && f.wireType === WIRE_BYTES);
    if (!graphField) return null;
    const graph = [...fields(model, graphField.payloadStart, graphField.end)];
    const initializers = new Map<string, ExternalTensor>();
    for (const f of graph.filter((f) => f.number === GRAPH.initializer)) {
      const tensor = parseExternalTensor(model, f);
      if (tensor) initializers.set(tensor.name, tensor);
    }
    const nodes = graph.filter((f) => f.number === GRAPH.node).map((f) => parseNode(model, f));
    const uses = new Map<string, number>();
    for (const node of nodes) for (const input of node.inputs) uses.set(input, (uses.get(input) ?? 0) + 1);
    const splits = new Map<number, Split>();
    for (const node of nodes) {
      const split = plan(node, initializers, uses, scratchBytes);
      if (split) splits.set(node.field.start, split);
    }
    if (!splits.size) return null;
    const replaced = new Set([...splits.values()].flatMap((s) => [...s.weights.values()].map((t) => t.field.start)));

    const g = new Writer();
    const added: Writer[] = [];
    for (const f of graph) {
      const split = splits.get(f.start);
      if (split) {
        const nodes: Writer[] = [];
        write(model, split, nodes, added);
        for (const node of nodes) g.bytes(GRAPH.node, node);
      } else if (!replaced.has(f.start)) g.raw(model.subarray(f.start, f.end));
    }
    for (const tensor of added) g.bytes(GRAPH.initializer, tensor);
    const out = new Writer();
    for (const f of fields(model)) {
      if (f.start === graphField.start) out.bytes(MODEL.graph, g);
      else out.raw(model.subarray(f.start, f.end));
    }
    return out.finish();
  } catch {
    return null;
  }
}
