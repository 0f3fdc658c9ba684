import { type Field, fields, integers, text, Writer } from './onnx-wire';

/** Field numbers of onnx.proto3, by message. */
export const MODEL = { graph: 7, opsetImport: 8 } as const;
export const OPSET = { domain: 1, version: 2 } as const;
export const GRAPH = { node: 1, initializer: 5, input: 11, output: 12 } as const;
export const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
export const ATTRIBUTE = { name: 1, i: 3, type: 20 } as const;
export const ATTRIBUTE_INT = 2;
export const VALUE_INFO = { name: 1, type: 2 } as const;
export const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9, externalData: 13, dataLocation: 14 } as const;
export const ENTRY = { key: 1, value: 2 } as const;
export const DATA_LOCATION_EXTERNAL = 1;
export const INT64 = 7;

/** A NodeProto's parts that rewriting looks at; `field` locates the whole node in the model bytes. */
export interface OnnxNode {
  field: Field;
  name: string;
  inputs: string[];
  outputs: string[];
  opType: string;
  domain: string;
  /** Integer attributes by name. */
  ints: Map<string, number>;
}

export function parseNode(bytes: Uint8Array, field: Field): OnnxNode {
  const node: OnnxNode = { field, name: '', inputs: [], outputs: [], opType: '', domain: '', ints: new Map() };
  for (const f of fields(bytes, field.payloadStart, field.end)) {
    if (f.number === NODE.input) node.inputs.push(text(bytes, f));
    else if (f.number === NODE.output) node.outputs.push(text(bytes, f));
    else if (f.number === NODE.name) node.name = text(bytes, f);
    else if (f.number === NODE.opType) node.opType = text(bytes, f);
    else if (f.number === NODE.domain) node.domain = text(bytes, f);
    else if (f.number === NODE.attribute) {
      let name = '';
      let value: number | null = null;
      for (const a of fields(bytes, f.payloadStart, f.end)) {
        if (a.number === ATTRIBUTE.name) name = text(bytes, a);
        else if (a.number === ATTRIBUTE.i) value = a.value;
      }
      if (value !== null) node.ints.set(name, value);
    }
  }
  return node;
}

/** An initializer whose data is external: where, and its shape and type. */
export interface ExternalTensor {
  field: Field;
  name: string;
  dims: number[];
  dataType: number;
  location: string;
  offset: number;
  length: number;
}

/** The initializer `field` if its data is external (with location, offset and length), else null. */
export function parseExternalTensor(bytes: Uint8Array, field: Field): ExternalTensor | null {
  const tensor: Partial<ExternalTensor> & { dims: number[] } = { field, dims: [] };
  const entries = new Map<string, string>();
  for (const f of fields(bytes, field.payloadStart, field.end)) {
    if (f.number === TENSOR.dims) tensor.dims.push(...integers(bytes, f));
    else if (f.number === TENSOR.dataType) tensor.dataType = f.value;
    else if (f.number === TENSOR.name) tensor.name = text(bytes, f);
    else if (f.number === TENSOR.externalData) {
      let key = '';
      let value = '';
      for (const e of fields(bytes, f.payloadStart, f.end)) {
        if (e.number === ENTRY.key) key = text(bytes, e);
        else if (e.number === ENTRY.value) value = text(bytes, e);
      }
      entries.set(key, value);
    }
  }
  const location = entries.get('location');
  if (location === undefined || !entries.has('offset') || !entries.has('length') || tensor.name === undefined)
    return null;
  return {
    ...tensor,
    name: tensor.name,
    dataType: tensor.dataType ?? 0,
    location,
    offset: Number(entries.get('offset')),
    length: Number(entries.get('length')),
  } as ExternalTensor;
}

/** An initializer whose bytes are `length` bytes at `offset` of the external file `location`. */
export function externalTensor(
  name: string,
  dims: number[],
  dataType: number,
  location: string,
  offset: number,
  length: number,
): Writer {
  const w = new Writer();
  for (const d of dims) w.varint(TENSOR.dims, d);
  w.varint(TENSOR.dataType, dataType).string(TENSOR.name, name);
  return externalData(w, location, offset, length);
}

/** `tensor` (its other fields written) completed with a reference to external data. */
export function externalData(tensor: Writer, location: string, offset: number, length: number): Writer {
  const entry = (key: string, value: string) => new Writer().string(ENTRY.key, key).string(ENTRY.value, value);
  return tensor
    .bytes(TENSOR.externalData, entry('location', location))
    .bytes(TENSOR.externalData, entry('offset', String(offset)))
    .bytes(TENSOR.externalData, entry('length', String(length)))
    .varint(TENSOR.dataLocation, DATA_LOCATION_EXTERNAL);
}

/** An integer attribute. */
export function intAttribute(name: string, value: number): Writer {
  return new Writer().string(ATTRIBUTE.name, name).varint(ATTRIBUTE.i, value).varint(ATTRIBUTE.type, ATTRIBUTE_INT);
}
