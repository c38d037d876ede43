/**
 * Who may change which key, through every framework's mount: a key revokes any key of its
 * project, but edits, narrows or rotates only keys whose scopes its own grant, and never creates
 * a key that outlives it.
 */
import { createKeyManager, MemoryKeyStore } from '@vectorcache/auth-core';
import { send, startMount, type Call, type Mount, type MountName } from './mounts';

const HOUR = 3_600_000;
const MOUNT_NAMES: MountName[] = ['express', 'koa', 'fastify', 'hono'];

const call = (key: string, method: string, path: string, body?: unknown): Call => ({
  method,
  path: `/admin${path}`,
  headers:
    body === undefined
      ? [['Authorization', `Bearer ${key}`]]
      : [
          ['Authorization', `Bearer ${key}`],
          ['Content-Type', 'application/json'],
        ],
  body: body === undefined ? undefined : JSON.stringify(body),
});

describe.each(MOUNT_NAMES)('edit authority on the %s mount', (mountName) => {
  let mount: Mount;
  let store: MemoryKeyStore;
  const ask = async (c: Call) => {
    const reply = await send(mount.port, c);
    return { status: reply.status, body: JSON.parse(reply.body) as Record<string, unknown> };
  };

  beforeEach(async () => {
    store = new MemoryKeyStore();
    mount = await startMount(mountName, { store });
  });
  afterEach(async () => {
    await mount.close();
  });

  async function make(name: string, scopes: string[], expiresAt: string | null = null) {
    return createKeyManager({ store }).create({ projectId: 'proj_e', name, scopes, expiresAt });
  }

  it('a keys:manage-only key may revoke a * key, but neither rename nor narrow it', async () => {
    const manager = await make('manager', ['keys:manage']);
    const wide = await make('wide', ['*']);
    const path = `/v1/keys/${wide.record.id}`;
    const refused = {
      status: 403,
      body: {
        detail:
          'Cannot change a key with scopes the calling key does not have: *; it may only revoke it',
      },
    };
    expect(await ask(call(manager.key, 'PATCH', path, { scopes: [] }))).toEqual(refused);
    expect(await ask(call(manager.key, 'PATCH', path, { name: 'renamed' }))).toEqual(refused);
    expect(await ask(call(manager.key, 'POST', `${path}/rotate`))).toMatchObject({ status: 403 });
    expect(await store.get(wide.record.id)).toMatchObject({ name: 'wide', scopes: ['*'] });
    expect(await ask(call(manager.key, 'POST', `${path}/revoke`))).toMatchObject({
      status: 200,
      body: { status: 'revoked' },
    });
  });

  it('a key may still edit and narrow a key its scopes grant', async () => {
    const manager = await make('manager', ['keys:manage', 'cache:*']);
    const reader = await make('reader', ['cache:read', 'cache:write']);
    const patched = await ask(
      call(manager.key, 'PATCH', `/v1/keys/${reader.record.id}`, {
        name: 'narrowed',
        scopes: ['cache:read'],
      }),
    );
    expect(patched).toMatchObject({ status: 200, body: { scopes: ['cache:read'] } });
  });

  it('a key expiring in 1 h creates no key that outlives it, and rotates none into one', async () => {
    const soon = new Date(Date.now() + HOUR).toISOString();
    const manager = await make('manager', ['keys:manage', 'cache:*'], soon);
    const refusal = {
      status: 403,
      body: {
        detail: `Cannot create a key that outlives the calling key: give an expiry no later than ${soon}`,
      },
    };
    const create = (body: unknown) => ask(call(manager.key, 'POST', '/v1/keys', body));
    expect(await create({ name: 'forever', scopes: ['keys:manage'] })).toEqual(refusal);
    expect(await create({ name: 'later', scopes: ['cache:read'], expiresIn: '2h' })).toEqual(
      refusal,
    );
    expect(
      await create({ name: 'within', scopes: ['cache:read'], expiresIn: '30m' }),
    ).toMatchObject({ status: 201 });
    const forever = await make('forever', ['cache:read']);
    expect(await ask(call(manager.key, 'POST', `/v1/keys/${forever.record.id}/rotate`))).toEqual(
      refusal,
    );
    expect((await store.list()).filter((r) => r.expiresAt === null)).toHaveLength(1);
  });
});
