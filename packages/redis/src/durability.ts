import { VectorcacheAuthError } from '@vectorcache/auth-core';
import type { KeyRecordPatch } from '@vectorcache/auth-core';
import type { Client } from './connection';

/** Whether `patch` can make a key less valid: a revocation, new scopes, an expiry set. */
export function lessValid(patch: KeyRecordPatch): boolean {
  return (
    (patch.revokedAt !== undefined && patch.revokedAt !== null) ||
    patch.scopes !== undefined ||
    (patch.expiresAt !== undefined && patch.expiresAt !== null)
  );
}

/**
 * Waits (Redis `WAIT`, at most `waitMs`) until `replicas` replicas of the master that holds
 * `key` have acknowledged every write this connection sent it; fewer is `not_durable`: the write
 * is on the master, but a failover now could undo it. Sent in a pipeline behind a command on
 * `key`, so a Cluster routes it to that master, over the connection that made the write.
 */
export async function awaitReplicas(
  client: Client,
  key: string,
  replicas: number,
  waitMs: number,
): Promise<void> {
  if (replicas === 0) return;
  const replies = await client.pipeline().exists(key).wait(replicas, waitMs).exec();
  const [error, acked] = replies?.[1] ?? [new Error('Redis did not answer WAIT.'), 0];
  if (error) throw error;
  if (Number(acked) >= replicas) return;
  throw new VectorcacheAuthError(
    'not_durable',
    `The change was written to the Redis master, but ${Number(acked)} of ${replicas} replica(s) acknowledged it within ${waitMs} ms, so a failover now could undo it: it is not yet durable. Repeat the action to confirm it once the replicas have caught up.`,
  );
}
