// The whole app: the packed packages, installed from their tarballs, and the unmodified openai SDK.
import { startInpage } from '@inpage/api-shim';
import OpenAI from 'openai';

const baseUrl = `${location.origin}/tgi`;
const { engine } = startInpage({ model: new URL('models/inpage-tiny/', location.href).href, baseUrl });

async function chat(content) {
  const openai = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: '-', dangerouslyAllowBrowser: true });
  const stream = await openai.chat.completions.create({
    model: 'tgi',
    messages: [{ role: 'user', content }],
    temperature: 0,
    stream: true,
  });
  let text = '';
  let chunks = 0;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    chunks++;
  }
  const { device } = await engine.ready();
  return { text, chunks, device, crossOriginIsolated };
}

window.packedApp = { chat };
