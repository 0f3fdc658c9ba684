import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { FakeEngine } from '../../test/fake-engine';
import { installShim, type Shim } from './install';

let network: ReturnType<typeof vi.fn<typeof fetch>>;
let pageFetch: typeof fetch;
const installed: Shim[] = [];

beforeEach(() => {
  pageFetch = globalThis.fetch;
  network = vi.fn<typeof fetch>(async () => new Response('from the network'));
  globalThis.fetch = network;
});

afterEach(() => {
  for (const shim of installed.splice(0)) shim.uninstall();
  globalThis.fetch = pageFetch;
});

function install(baseUrl: string, modelId = 'm'): Shim {
  const shim = installShim({ baseUrl, engine: new FakeEngine(), modelId });
  installed.push(shim);
  return shim;
}

async function modelOf(res: Response): Promise<string> {
  return ((await res.json()) as { data: { id: string }[] }).data[0].id;
}

describe('routing', () => {
  test('requests under the base go to the handler, with the path relative to the base', async () => {
    install('http://localhost:8080/api', 'served');
    expect(await modelOf(await fetch('http://localhost:8080/api/v1/models'))).toBe('served');
    expect(await modelOf(await fetch(new URL('http://localhost:8080/api/v1/models')))).toBe('served');
    expect(await modelOf(await fetch(new Request('http://localhost:8080/api/v1/models')))).toBe('served');
    const res = await fetch('http://localhost:8080/api/generate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: 'xy', parameters: { max_new_tokens: 2 } }),
    });
    expect(await res.json()).toEqual({ generated_text: 'z' });
    expect((await fetch('http://localhost:8080/api')).status).toBe(200); // GET / is health
    expect(network).not.toHaveBeenCalled();
  });

  test('other origins and other path prefixes reach the original fetch, arguments untouched', async () => {
    install('http://localhost:8080/api');
    const init = { method: 'POST', body: 'x' };
    const request = new Request('http://localhost:8080/apiary');
    const url = new URL('http://localhost:9090/api/generate');
    const calls: [RequestInfo | URL, RequestInit?][] = [
      ['http://localhost:8081/api/generate', init],
      ['https://localhost:8080/api/generate', init],
      ['http://localhost:8080/apiary/generate', init],
      ['http://localhost:8080/generate'],
      [request],
      [url, init],
    ];
    for (const args of calls) {
      expect(await (await fetch(...args)).text()).toBe('from the network');
      const last = network.mock.calls.at(-1)!;
      expect(last).toHaveLength(args.length);
      last.forEach((arg, i) => expect(arg).toBe(args[i]));
    }
    expect(request.bodyUsed).toBe(false);
  });

  test('two shims, each with its own base; the most specific base wins', async () => {
    install('http://localhost:8080', 'root');
    install('http://localhost:8080/second', 'second');
    install('http://127.0.0.1:7000', 'other');
    expect(await modelOf(await fetch('http://localhost:8080/v1/models'))).toBe('root');
    expect(await modelOf(await fetch('http://localhost:8080/second/v1/models'))).toBe('second');
    expect(await modelOf(await fetch('http://127.0.0.1:7000/v1/models'))).toBe('other');
    expect(network).not.toHaveBeenCalled();
  });

  test('a base is installed once', () => {
    install('http://localhost:8080/api');
    expect(() => install('http://localhost:8080/api/')).toThrow(
      'A shim is already installed at http://localhost:8080/api',
    );
  });

  test('a fetch aborted by the caller rejects with its reason', async () => {
    install('http://localhost:8080');
    const controller = new AbortController();
    controller.abort();
    await expect(fetch('http://localhost:8080/health', { signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('uninstalling, in any order', () => {
  test.each([
    ['first installed first', [0, 1]],
    ['last installed first', [1, 0]],
  ])('%s', async (_name, order) => {
    const shims = [install('http://a.test', 'a'), install('http://b.test', 'b')];
    shims[order[0]].uninstall();
    const gone = ['http://a.test', 'http://b.test'][order[0]];
    const kept = ['http://a.test', 'http://b.test'][order[1]];
    expect(await (await fetch(`${gone}/v1/models`)).text()).toBe('from the network');
    expect(await modelOf(await fetch(`${kept}/v1/models`))).toBe(['a', 'b'][order[1]]);
    shims[order[1]].uninstall();
    expect(globalThis.fetch).toBe(network);
    shims[order[0]].uninstall(); // idempotent
    expect(globalThis.fetch).toBe(network);
  });

  test('a patch installed on top of ours keeps working; ours stays as a pass-through', async () => {
    const shim = install('http://a.test', 'a');
    const ours = globalThis.fetch;
    const outer = vi.fn<typeof fetch>((...args) => ours(...args));
    globalThis.fetch = outer;
    expect(await modelOf(await fetch('http://a.test/v1/models'))).toBe('a');
    shim.uninstall();
    expect(globalThis.fetch).toBe(outer);
    expect(await (await fetch('http://a.test/v1/models')).text()).toBe('from the network');
    // A new shim patches on top of the chain; the old dispatcher passes through below it.
    install('http://b.test', 'b');
    expect(await modelOf(await fetch('http://b.test/v1/models'))).toBe('b');
    expect(await (await fetch('http://a.test/v1/models')).text()).toBe('from the network');
    expect(outer).toHaveBeenCalledTimes(3);
  });
});
