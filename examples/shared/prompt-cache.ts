/** A prompt -> response cache, per project, as a stand-in for a real vector cache (shared by the examples). */
export interface PromptCache {
  query(projectId: string, prompt: string): string | undefined;
  write(projectId: string, prompt: string, response: string): void;
}

/** Longest prompt or response accepted, in characters. */
export const MAX_TEXT_LENGTH = 10_000;

/**
 * An in-memory cache holding at most `maxEntries` entries in all (the oldest go first), so a
 * busy client cannot grow it without limit.
 */
export function createPromptCache(maxEntries = 1000): PromptCache {
  const entries = new Map<string, string>();
  const keyOf = (projectId: string, prompt: string): string => `${projectId}\u0000${prompt}`;
  return {
    query: (projectId, prompt) => entries.get(keyOf(projectId, prompt)),
    write(projectId, prompt, response) {
      const key = keyOf(projectId, prompt);
      entries.delete(key);
      entries.set(key, response);
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
  };
}

/** The text at `field` of a JSON body, or undefined when it is missing, empty or too long. */
export function textField(body: unknown, field: string): string | undefined {
  const value = (body as Record<string, unknown> | null | undefined)?.[field];
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_TEXT_LENGTH
    ? value
    : undefined;
}
