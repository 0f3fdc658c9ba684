/**
 * TGI's `GrammarType` as requests spell it (`parameters.grammar`, chat `response_format`): its JSON
 * shape and decoder. What a grammar may contain (validation rule 16) is checked in ../structured.
 */
import { DecodeError, type Decoder, type Path, invalidType, isMap, string } from './serde';

export type Grammar =
  /** `json` or its alias `json_object`: a JSON Schema, as an object or as a JSON string. */
  | { type: 'json'; value: unknown }
  | { type: 'regex'; value: string }
  | { type: 'json_schema'; value: { name?: string; schema: unknown } }
  /** OpenAI's `{"type":"json_object"}` (chat only): any JSON object, no schema to check. */
  | { type: 'json_object' };

const VARIANTS = '`json`, `json_object`, `regex`, `json_schema`';

function field(map: Record<string, unknown>, key: string, at: Path): unknown {
  if (!(key in map)) throw new DecodeError(at, `missing field \`${key}\``);
  return map[key];
}

function jsonSchemaConfig(v: unknown, at: Path): { name?: string; schema: unknown } {
  if (!isMap(v)) throw invalidType(v, 'struct JsonSchemaConfig', at);
  const name = v.name === undefined || v.name === null ? undefined : string(v.name, [...at, 'name']);
  return { name, schema: field(v, 'schema', at) };
}

/**
 * TGI's adjacently tagged `{"type", "value"}`. With `openai` also the OpenAI forms of `response_format`:
 * `{"type":"json_object"}` (no schema) and `{"type":"json_schema","json_schema":{name, schema, strict}}`.
 */
export function grammarDecoder(openai: boolean): Decoder<Grammar> {
  return (v, at) => {
    if (!isMap(v)) throw invalidType(v, 'adjacently tagged enum GrammarType', at);
    const type = string(field(v, 'type', at), [...at, 'type']);
    const valueAt = [...at, 'value'];
    switch (type) {
      case 'json':
      case 'json_object':
        if (openai && type === 'json_object' && !('value' in v)) return { type: 'json_object' };
        return { type: 'json', value: field(v, 'value', at) };
      case 'regex':
        return { type: 'regex', value: string(field(v, 'value', at), valueAt) };
      case 'json_schema':
        if (openai && !('value' in v) && 'json_schema' in v) {
          return { type: 'json_schema', value: jsonSchemaConfig(v.json_schema, [...at, 'json_schema']) };
        }
        return { type: 'json_schema', value: jsonSchemaConfig(field(v, 'value', at), valueAt) };
      default:
        throw new DecodeError([...at, 'type'], `unknown variant \`${type}\`, expected one of ${VARIANTS}`);
    }
  };
}
