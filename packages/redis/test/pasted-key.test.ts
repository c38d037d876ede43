import { Redis } from 'ioredis';
import { hashApiKey } from '@vectorcache/auth-core';
import type { ApiKeyRecord, IssuedKey } from '@vectorcache/auth-core';
import { runCli } from '@vectorcache/auth-cli';
import { describeRedis, redisUrl, uniquePrefix } from '../../../test-utils/redis';
import { startMonitor, type MonitorCapture } from './helpers';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// An operator pastes a key where the CLI expects a key id or a project (the usual mistake once a
// key has leaked): the key must reach Redis in no command, in no case, and never be printed.
describeRedis('vectorcache-keys given a key where an id or a project is expected (Redis)', () => {
  const prefix = uniquePrefix('pasted');
  const env = { VECTORCACHE_REDIS_URL: redisUrl, VECTORCACHE_REDIS_PREFIX: prefix };
  let node: Redis;
  let monitor: MonitorCapture;

  const cli = async (...args: string[]): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(args, {
      env,
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    });
    return { code, stdout, stderr };
  };

  beforeAll(async () => {
    node = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await node.connect();
    // Every command, whatever it names: a key could be sent as a key name, a field or a value.
    monitor = await startMonitor(node, '');
  });

  afterAll(async () => {
    await monitor?.stop();
    const names = await node.keys(`${prefix}*`);
    if (names.length > 0) await node.del(...names);
    node?.disconnect();
  });

  it('revokes by key (any case) through its hash, refuses key-shaped ids and projects, and sends no key', async () => {
    const create = async (name: string): Promise<IssuedKey> => {
      const result = await cli('create', '--project', 'proj_pasted', '--name', name, '--json');
      expect(result).toMatchObject({ code: 0, stderr: '' });
      return JSON.parse(result.stdout) as IssuedKey;
    };
    const leaked = await create('leaked');
    const other = await create('other');
    const secrets = [leaked.key, other.key].map((key) => key.slice(3));
    const runs: Run[] = [];
    const step = async (...args: string[]): Promise<Run> => {
      const result = await cli(...args);
      runs.push(result);
      return result;
    };

    const revoked = await step('revoke', leaked.key);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(
      `Revoked key ${leaked.record.id} (${leaked.key.slice(0, 7)}...)`,
    );
    const again = await step('revoke', ` ${leaked.key.toUpperCase()}`, '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ id: leaked.record.id, status: 'revoked' });
    const renamed = await step('update', other.key.toUpperCase(), '--name', 'renamed', '--json');
    expect(JSON.parse(renamed.stdout)).toMatchObject({ id: other.record.id, name: 'renamed' });

    for (const args of [
      ['list', '--project', leaked.key],
      ['list', '--project', leaked.key.toUpperCase()],
      ['list', '--json', '--project', `${other.key}x`],
      ['audit', '--project', other.key],
      ['export', '--project', other.key.toUpperCase()],
      ['create', '--project', other.key, '--name', 'n'],
      ['create', '--project', 'proj_pasted', '--name', `key ${other.key}`],
      ['rotate', other.key.slice(0, 30)],
      ['usage', other.key.slice(0, 20).toUpperCase()],
      ['revoke', `vc_${'0'.repeat(32)}`],
    ]) {
      const refused = await step(...args);
      expect({ args, code: refused.code, stdout: refused.stdout }).toEqual({
        args,
        code: 2,
        stdout: '',
      });
      expect(refused.stderr).toMatch(/^error: [^\n]+\n$/);
    }

    await monitor.stop();
    const sent = monitor.lines().join('\n').toLowerCase();
    // The capture worked: the lookups by hash are in it.
    expect(sent).toContain(hashApiKey(leaked.key));
    expect(sent).toContain(hashApiKey(other.key));
    for (const secret of secrets) {
      expect(sent).not.toContain(secret);
      for (const run of runs)
        expect(`${run.stdout}${run.stderr}`.toLowerCase()).not.toContain(secret);
    }
    const listed = JSON.parse((await cli('list', '--json')).stdout) as ApiKeyRecord[];
    expect(listed.map((r) => [r.name, r.status]).sort()).toEqual([
      ['leaked', 'revoked'],
      ['renamed', 'active'],
    ]);
  });
});
