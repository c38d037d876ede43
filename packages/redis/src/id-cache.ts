/** What the store remembers of a key id: its hash and, once seen, its project. */
export interface KnownId {
  hash: string;
  projectId?: string;
}

/**
 * Bounded map of key id -> hash (and project). Neither ever changes for an id, so entries are
 * never stale, only evicted (oldest first) once `max` ids are known.
 */
export class IdCache {
  private readonly known = new Map<string, KnownId>();

  constructor(private readonly max: number) {}

  get(id: string): KnownId | undefined {
    return this.known.get(id);
  }

  has(id: string): boolean {
    return this.known.has(id);
  }

  /** Remembers a record's id, hash and project (a project learnt later is added). */
  remember(record: { id: string; hash: string; projectId?: string }): void {
    const known = this.known.get(record.id);
    if (known !== undefined) {
      known.projectId ??= record.projectId;
      return;
    }
    if (this.known.size >= this.max) {
      const oldest = this.known.keys().next();
      if (!oldest.done) this.known.delete(oldest.value);
    }
    this.known.set(record.id, { hash: record.hash, projectId: record.projectId });
  }
}
