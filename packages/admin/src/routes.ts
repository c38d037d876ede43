import type { HttpAnswer } from '@vectorcache/auth-core/adapter';
import {
  DEFAULT_SCOPES,
  type ApiKeyRecord,
  type KeyManager,
  type KeyStore,
  type Principal,
  type Verifier,
} from '@vectorcache/auth-core';
import { publicRecord } from '@vectorcache/auth-core';
import { rankUsageKeys } from './usage-ranking';
import { toUsagePoints } from '@vectorcache/auth-core/adapter';
import { AdminError, ALREADY_ROTATED, json, NOT_ACTIVE } from './answers';
import {
  auditLimit,
  createInput,
  rotateInput,
  labelFilter,
  statusFilter,
  updateInput,
  usageRange,
} from './inputs';
import { editable, grantable, withinCallerExpiry } from './authority';
import { openApiDocument } from './openapi';
import type { AdminRequest } from './types';

/** What a route's implementation gets. */
export interface RouteContext {
  request: AdminRequest;
  query: URLSearchParams;
  /** The calling key (absent on public routes). */
  caller: Principal;
  /** Path parameters (`id`). */
  id: string;
  keys: KeyManager;
  store: KeyStore;
  verifier: Verifier;
  now: () => number;
  /** Runs a store call with the management timeout. */
  timed<T>(work: Promise<T>): Promise<T>;
  /** The request's JSON object body (415/413/400 decided here). */
  body(): Promise<Record<string, unknown>>;
}

/** One method of one path. */
export interface Route {
  /** The scope the calling key needs; `null` for a public route. */
  scope: 'keys:manage' | 'analytics:read' | null;
  /** Whether the route reads a body: never, when one was sent, or always. */
  body: 'none' | 'optional' | 'required';
  run(ctx: RouteContext): Promise<HttpAnswer>;
}

/** A path of the API: its segments (`:id` matches one) and its methods. */
export interface PathSpec {
  segments: readonly string[];
  methods: Readonly<Record<string, Route>>;
}

const notFoundKey = (): AdminError => new AdminError(404, 'API key not found');

/** The key `id` when it belongs to the caller's project; another project's key is a 404 as well. */
async function ownKey(ctx: RouteContext): Promise<ApiKeyRecord> {
  const record = await ctx.timed(ctx.keys.get(ctx.id));
  if (!record || record.projectId !== ctx.caller.projectId) throw notFoundKey();
  return record;
}

/** The calling key's own expiry, as the store holds it now; gone (revoked away) is refused. */
async function callerExpiresAt(ctx: RouteContext): Promise<string | null> {
  const own = await ctx.timed(ctx.keys.get(ctx.caller.keyId));
  if (!own) throw new AdminError(403, 'The calling key no longer exists');
  return own.expiresAt;
}

const newestFirst = (a: ApiKeyRecord, b: ApiKeyRecord): number =>
  b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

function actor(caller: Principal): { keyId: string; prefix: string } {
  return { keyId: caller.keyId, prefix: caller.prefix };
}

async function readUsage(ctx: RouteContext, keyId?: string) {
  if (!ctx.store.readUsage) throw new AdminError(501, 'This key store keeps no usage analytics');
  const range = usageRange(ctx.query, ctx.now());
  // This instance's pending counts first, so a read right after traffic sees it.
  await ctx.timed(ctx.verifier.flush()).catch(() => undefined);
  const rows = await ctx.timed(
    ctx.store.readUsage({
      projectId: ctx.caller.projectId,
      keyId,
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      granularity: range.granularity,
    }),
  );
  return { range, rows: keyId === undefined ? rows : rows.filter((r) => r.keyId === keyId) };
}

const manage = 'keys:manage' as const;
const analytics = 'analytics:read' as const;

/** Every path of the management API (the dashboard page and its files are answered first, by `dashboardAnswer`). */
export const PATHS: readonly PathSpec[] = [
  {
    segments: ['v1', 'keys'],
    methods: {
      GET: {
        scope: manage,
        body: 'none',
        async run(ctx) {
          const status = statusFilter(ctx.query);
          const labels = labelFilter(ctx.query);
          const records = await ctx.timed(
            ctx.keys.list({ projectId: ctx.caller.projectId, ...labels }),
          );
          const keys = records
            .filter((record) => status === undefined || record.status === status)
            .sort(newestFirst)
            .map(publicRecord);
          return json(200, { keys });
        },
      },
      POST: {
        scope: manage,
        body: 'required',
        async run(ctx) {
          const input = createInput(await ctx.body(), ctx.now());
          grantable(ctx.caller, input.scopes ?? DEFAULT_SCOPES);
          withinCallerExpiry(await callerExpiresAt(ctx), input.expiresAt);
          const issued = await ctx.timed(
            ctx.keys.create(
              {
                projectId: ctx.caller.projectId,
                name: input.name,
                scopes: input.scopes,
                expiresAt: input.expiresAt,
                environment: input.environment,
                ownerId: input.ownerId,
                meta: input.meta,
              },
              { actor: actor(ctx.caller) },
            ),
          );
          return json(201, { key: issued.key, record: publicRecord(issued.record) });
        },
      },
    },
  },
  {
    segments: ['v1', 'keys', ':id'],
    methods: {
      GET: {
        scope: manage,
        body: 'none',
        async run(ctx) {
          return json(200, publicRecord(await ownKey(ctx)));
        },
      },
      PATCH: {
        scope: manage,
        body: 'required',
        async run(ctx) {
          const changes = updateInput(await ctx.body());
          const current = await ownKey(ctx);
          editable(ctx.caller, current);
          if (changes.scopes !== undefined) grantable(ctx.caller, changes.scopes);
          const record = await ctx.timed(
            ctx.keys.update(ctx.id, changes, { actor: actor(ctx.caller) }),
          );
          return json(200, publicRecord(record));
        },
      },
    },
  },
  {
    segments: ['v1', 'keys', ':id', 'revoke'],
    methods: {
      POST: {
        scope: manage,
        body: 'none',
        async run(ctx) {
          await ownKey(ctx);
          const record = await ctx.timed(ctx.keys.revoke(ctx.id, { actor: actor(ctx.caller) }));
          return json(200, publicRecord(record));
        },
      },
    },
  },
  {
    segments: ['v1', 'keys', ':id', 'rotate'],
    methods: {
      POST: {
        scope: manage,
        body: 'optional',
        async run(ctx) {
          const gracePeriodMs = rotateInput(await ctx.body());
          const current = await ownKey(ctx);
          grantable(ctx.caller, current.scopes);
          withinCallerExpiry(await callerExpiresAt(ctx), current.expiresAt);
          // The store checks both again inside its write: of concurrent rotations one wins.
          if (current.rotatedTo) throw new AdminError(409, ALREADY_ROTATED);
          if (current.status !== 'active') {
            throw new AdminError(409, NOT_ACTIVE);
          }
          const issued = await ctx.timed(
            ctx.keys.rotate(ctx.id, { gracePeriodMs, actor: actor(ctx.caller) }),
          );
          const previous = (await ctx.timed(ctx.keys.get(ctx.id))) ?? current;
          return json(201, {
            key: issued.key,
            record: publicRecord(issued.record),
            previous: publicRecord(previous),
          });
        },
      },
    },
  },
  {
    segments: ['v1', 'keys', ':id', 'usage'],
    methods: {
      GET: {
        scope: analytics,
        body: 'none',
        async run(ctx) {
          const record = await ownKey(ctx);
          const { range, rows } = await readUsage(ctx, record.id);
          return json(200, {
            keyId: record.id,
            granularity: range.granularity,
            from: new Date(range.from).toISOString(),
            to: new Date(range.to).toISOString(),
            points: toUsagePoints(rows, range),
          });
        },
      },
    },
  },
  {
    segments: ['v1', 'analytics', 'usage'],
    methods: {
      GET: {
        scope: analytics,
        body: 'none',
        async run(ctx) {
          const { range, rows } = await readUsage(ctx);
          const records = await ctx.timed(ctx.keys.list({ projectId: ctx.caller.projectId }));
          const byId = new Map(records.map((record) => [record.id, record]));
          const keys = rankUsageKeys(rows).flatMap(({ id, requests }) => {
            const record = byId.get(id);
            return record ? [{ id, prefix: record.prefix, name: record.name, requests }] : [];
          });
          return json(200, {
            projectId: ctx.caller.projectId,
            granularity: range.granularity,
            from: new Date(range.from).toISOString(),
            to: new Date(range.to).toISOString(),
            points: toUsagePoints(rows, range),
            keys,
          });
        },
      },
    },
  },
  {
    segments: ['v1', 'audit'],
    methods: {
      GET: {
        scope: manage,
        body: 'none',
        async run(ctx) {
          const limit = auditLimit(ctx.query);
          if (!ctx.store.listAudit) throw new AdminError(501, 'This key store keeps no audit list');
          const entries = await ctx.timed(
            ctx.store.listAudit({ projectId: ctx.caller.projectId, limit }),
          );
          const events = entries.map(({ at, action, actor: who, target }) => ({
            at,
            action,
            actor: who === null ? null : { keyId: who.keyId, prefix: who.prefix },
            target: { keyId: target.keyId, prefix: target.prefix, name: target.name },
          }));
          return json(200, { events });
        },
      },
    },
  },
  {
    segments: ['openapi.json'],
    methods: {
      GET: {
        scope: null,
        body: 'none',
        async run() {
          return json(200, openApiDocument());
        },
      },
    },
  },
];

/** The path and method matched, or why none did (404, or 405 with the methods allowed). */
export type Match =
  | { kind: 'route'; route: Route; id: string }
  | { kind: 'not_found' }
  | { kind: 'method'; allow: string };

/** Finds the route of `method path` (HEAD is GET without a body). */
export function match(method: string, path: string): Match {
  const raw = path === '' ? [] : path.replace(/^\//, '').split('/');
  let segments: string[];
  try {
    segments = raw.map((segment) => decodeURIComponent(segment));
  } catch {
    return { kind: 'not_found' };
  }
  for (const spec of PATHS) {
    if (spec.segments.length !== segments.length) continue;
    let id = '';
    const same = spec.segments.every((part, i) => {
      const segment = segments[i]!;
      if (part === ':id') {
        id = segment;
        return segment.length > 0;
      }
      return part === segment;
    });
    if (!same) continue;
    const wanted = method === 'HEAD' ? 'GET' : method;
    const route = spec.methods[wanted];
    if (route) return { kind: 'route', route, id };
    const allowed = Object.keys(spec.methods);
    if (allowed.includes('GET')) allowed.splice(allowed.indexOf('GET') + 1, 0, 'HEAD');
    return { kind: 'method', allow: allowed.join(', ') };
  }
  return { kind: 'not_found' };
}
