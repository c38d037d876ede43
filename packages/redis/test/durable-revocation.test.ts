import { createAdminHandler } from '@vectorcache/auth-admin';
import {
  createKeyManager,
  createVerifier,
  type IssuedKey,
  type KeyManager,
} from '@vectorcache/auth-core';
import { runCli } from '@vectorcache/auth-cli';
import { RedisKeyStore } from '@vectorcache/auth-redis';
import type { PrivateRedis } from '../../../test-utils/redis-server';
import { waitFor } from '../../../test-utils/wait';
import { REDIS_TARGETS, type StartedTarget } from './targets';

const cluster = REDIS_TARGETS.find((target) => target.cluster)!;
const NOT_DURABLE =
  '{"detail":"The change was written but is not yet durable: no Redis replica acknowledged it in time, so a failover could undo it. Repeat the request to confirm it."}';

// The replica of the store's master lags (frozen): a revocation must not be reported done
// before a replica has it, since a failover now would promote the replica and undo it.
cluster.describe('a revocation while the replica lags (private Redis Cluster)', () => {
  let t: StartedTarget;
  let store: RedisKeyStore;
  let keys: KeyManager;
  let replica: PrivateRedis;
  let manager: IssuedKey;
  /** Revoked through the API, answered 200 once the replica had it. */
  let confirmedKey: IssuedKey;

  beforeAll(async () => {
    t = await cluster.start('durable');
    store = new RedisKeyStore(t.connection, { keyPrefix: t.prefix });
    keys = createKeyManager({ store });
    manager = await keys.create({ projectId: 'proj_d', name: 'manager', scopes: ['keys:manage'] });
    const master = await t.storeNode();
    const role = (await master.role()) as [string, number, Array<[string, string, string]>];
    master.disconnect();
    replica = t.cluster!.nodes.find((node) => node.port === Number(role[2][0]![1]))!;
  }, 60_000);

  afterAll(async () => {
    replica?.thaw();
    await store?.close();
    await t?.stop();
  });

  it('the API and the CLI say "not yet durable" instead of done, and confirm once it is', async () => {
    const admin = createAdminHandler({ store });
    const revoke = (id: string) =>
      admin.handle({
        method: 'POST',
        path: `/v1/keys/${id}/revoke`,
        headers: { authorization: `Bearer ${manager.key}` },
      });
    const byApi = await keys.create({ projectId: 'proj_d', name: 'by api' });
    const byCli = await keys.create({ projectId: 'proj_d', name: 'by cli' });

    replica.freeze();
    const answer = await revoke(byApi.record.id);
    expect([answer.status, answer.body, answer.headers['retry-after']]).toEqual([
      503,
      NOT_DURABLE,
      '1',
    ]);
    const err: string[] = [];
    const code = await runCli(['revoke', byCli.record.id], {
      env: t.env,
      stdout: { write: () => true },
      stderr: { write: (text: string) => Boolean(err.push(text)) },
    });
    expect(code).not.toBe(0);
    expect(err.join('')).toMatch(/not yet durable/);

    replica.thaw();
    const confirmed = await revoke(byApi.record.id);
    expect(confirmed.status).toBe(200);
    expect(JSON.parse(confirmed.body)).toMatchObject({ status: 'revoked' });
    confirmedKey = byApi;
    await admin.close();
  }, 60_000);

  it('a revocation answered 200 survives the failover that undid one before (master killed, replica promoted)', async () => {
    expect(confirmedKey).toBeDefined();
    const master = await t.cluster!.masterOf(t.layout.ids);
    master.kill('SIGKILL');
    const promoted = await waitFor(
      'the replica to take the slot over',
      async () => {
        const now = await t.cluster!.masterOf(t.layout.ids).catch(() => undefined);
        return now !== undefined && now.port !== master.port ? now : undefined;
      },
      45_000,
      200,
    );
    expect(promoted.port).toBe(replica.port);
    // A new instance on the cluster as it is now: the record says revoked, the key is refused.
    const after = new RedisKeyStore(t.connection, { keyPrefix: t.prefix });
    const verifier = createVerifier({ store: after });
    try {
      const record = await waitFor(
        'the promoted master to answer',
        async () => (await after.get(confirmedKey.record.id).catch(() => null)) ?? undefined,
        30_000,
        200,
      );
      expect(record.revokedAt).not.toBeNull();
      const result = await verifier.verify(`Bearer ${confirmedKey.key}`);
      expect(result.ok ? 'ok' : result.reason).toBe('revoked');
    } finally {
      await verifier.close();
      await after.close();
    }
  }, 120_000);
});
