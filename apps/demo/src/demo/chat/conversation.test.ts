import { describe, expect, it } from 'vitest';
import { emptyConversation, loadConversation, replyStats, saveConversation } from './conversation';

function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
    clear: () => map.clear(),
    key: (i) => [...map.keys()][i] ?? null,
    get length() {
      return map.size;
    },
  };
}

describe('conversation', () => {
  it('round-trips through storage and survives garbage', () => {
    const storage = memoryStorage();
    expect(loadConversation(storage)).toEqual(emptyConversation());
    const conversation = { ...emptyConversation(), messages: [{ role: 'user' as const, content: 'hi' }] };
    saveConversation(conversation, storage);
    expect(loadConversation(storage)).toEqual(conversation);
    storage.setItem('inpage-demo:conversation', '{not json');
    expect(loadConversation(storage)).toEqual(emptyConversation());
  });

  it('measures time to first token and decode speed', () => {
    expect(replyStats(1000, 1040, 2040, 27)).toEqual({ tokens: 27, timeToFirstToken: 40, tokensPerSecond: 26 });
    expect(replyStats(0, 10, 10, 1).tokensPerSecond).toBeNull();
  });
});
