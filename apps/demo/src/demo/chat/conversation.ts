/** The chat's state, kept in localStorage so a reload shows the same conversation. */

export interface ReplyStats {
  tokens: number;
  /** ms from sending to the first token. */
  timeToFirstToken: number;
  /** Decode speed: tokens after the first, over the time after the first; null with one token. */
  tokensPerSecond: number | null;
}

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
  stats?: ReplyStats;
  /** The reply was stopped by the user before the model finished. */
  stopped?: boolean;
}

export interface Conversation {
  system: string;
  temperature: number;
  maxTokens: number;
  messages: ChatMessage[];
}

const KEY = 'inpage-demo:conversation';

export function emptyConversation(): Conversation {
  // Greedy by default: replies are reproducible, and the built-in model's rule shows exactly.
  return { system: 'You are a helpful assistant.', temperature: 0, maxTokens: 512, messages: [] };
}

export function loadConversation(storage: Storage = localStorage): Conversation {
  try {
    const saved = JSON.parse(storage.getItem(KEY) ?? 'null') as Partial<Conversation> | null;
    return { ...emptyConversation(), ...saved };
  } catch {
    return emptyConversation();
  }
}

export function saveConversation(conversation: Conversation, storage: Storage = localStorage): void {
  storage.setItem(KEY, JSON.stringify(conversation));
}

/** Speed figures of one streamed reply, from the clock readings taken while it streamed. */
export function replyStats(sentAt: number, firstTokenAt: number, endedAt: number, tokens: number): ReplyStats {
  const decodeMs = endedAt - firstTokenAt;
  return {
    tokens,
    timeToFirstToken: firstTokenAt - sentAt,
    tokensPerSecond: tokens > 1 && decodeMs > 0 ? ((tokens - 1) * 1000) / decodeMs : null,
  };
}
