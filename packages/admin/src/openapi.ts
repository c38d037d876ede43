/**
 * The OpenAPI 3.1 document of the management API. Tests validate it with an OpenAPI validator
 * and check every answer they receive against it, so it cannot drift from the code.
 */

import { USAGE_OUTCOMES } from '@vectorcache/auth-core';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullableDate = { type: ['string', 'null'], format: 'date-time' };

const errorResponse = (description: string, headers: Record<string, unknown> = {}) => ({
  description,
  headers: { 'Cache-Control': { $ref: '#/components/headers/CacheControl' }, ...headers },
  content: { 'application/json': { schema: ref('Error') } },
});

const ok = (description: string, schema: unknown) => ({
  description,
  headers: { 'Cache-Control': { $ref: '#/components/headers/CacheControl' } },
  content: { 'application/json': { schema } },
});

const authErrors = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '403': { $ref: '#/components/responses/Forbidden' },
  '429': { $ref: '#/components/responses/TooManyAttempts' },
  '503': { $ref: '#/components/responses/Unavailable' },
};

const bodyErrors = {
  '400': { $ref: '#/components/responses/BadRequest' },
  '413': { $ref: '#/components/responses/TooLarge' },
  '415': { $ref: '#/components/responses/UnsupportedMediaType' },
};

const keyId = {
  name: 'id',
  in: 'path',
  required: true,
  description:
    "The key id (`key_` + 24 hex). Another project's key answers 404, like an unknown one.",
  schema: { type: 'string' },
};

const usageParameters = [
  {
    name: 'from',
    in: 'query',
    description:
      'Start (ISO-8601, floored to the hour or UTC day). Default: 24 hours (hourly) or 30 days (daily) before `to`.',
    schema: { type: 'string' },
  },
  {
    name: 'to',
    in: 'query',
    description: 'End, exclusive (ISO-8601). Default: the end of the current hour or UTC day.',
    schema: { type: 'string' },
  },
  {
    name: 'granularity',
    in: 'query',
    description: 'One point per hour (at most 31 days) or per UTC day (at most 400 days).',
    schema: { type: 'string', enum: ['hour', 'day'], default: 'hour' },
  },
];

/** The fields of a usage series, in both usage answers. */
const SERIES = {
  granularity: { type: 'string', enum: ['hour', 'day'] },
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
  points: { type: 'array', items: ref('UsagePoint') },
};

const NOT_FOUND = { '404': { $ref: '#/components/responses/NotFound' } };
const METHOD = { '405': { $ref: '#/components/responses/MethodNotAllowed' } };

const DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Vectorcache auth management API',
    version: '1.0.0',
    description:
      'Self-serve key management and usage analytics. Every call but `GET /openapi.json` needs ' +
      "`Authorization: Bearer vc_...` with the scope it names; a caller acts on its own key's " +
      'project only. Paths are relative to where the API is mounted (e.g. `/admin`). Every ' +
      'answer is JSON with `Cache-Control: no-store`; every error is `{"detail": "..."}`. A ' +
      'record never carries the key or its hash: the plaintext key is in the one answer that ' +
      'issues it.',
  },
  servers: [{ url: '/', description: 'The mount point of the API' }],
  security: [{ apiKey: [] }],
  paths: {
    '/v1/keys': {
      get: {
        operationId: 'listKeys',
        summary: "List the project's keys, newest first (scope keys:manage)",
        parameters: [
          {
            name: 'status',
            in: 'query',
            schema: { type: 'string', enum: ['active', 'revoked', 'expired'] },
          },
          {
            name: 'environment',
            in: 'query',
            description: 'Only the keys of this environment.',
            schema: ref('Environment'),
          },
          {
            name: 'ownerId',
            in: 'query',
            description: 'Only the keys of this owner.',
            schema: ref('OwnerId'),
          },
        ],
        responses: {
          '200': ok('The keys', ref('KeyList')),
          '400': { $ref: '#/components/responses/BadRequest' },
          ...authErrors,
          ...METHOD,
        },
      },
      post: {
        operationId: 'createKey',
        summary: 'Create a key; the answer is the only time the key is shown (scope keys:manage)',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('CreateKeyRequest') } },
        },
        responses: {
          '201': ok('The new key and its record', ref('IssuedKey')),
          ...bodyErrors,
          ...authErrors,
          ...METHOD,
        },
      },
    },
    '/v1/keys/{id}': {
      parameters: [keyId],
      get: {
        operationId: 'getKey',
        summary: 'One key (scope keys:manage)',
        responses: {
          '200': ok('The record', ref('KeyRecord')),
          ...NOT_FOUND,
          ...authErrors,
          ...METHOD,
        },
      },
      patch: {
        operationId: 'updateKey',
        summary:
          'Rename a key, replace its scopes, environment, owner or metadata (scope keys:manage); narrowed scopes hold on every instance as fast as a revocation',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ref('UpdateKeyRequest') } },
        },
        responses: {
          '200': ok('The updated record', ref('KeyRecord')),
          ...bodyErrors,
          ...NOT_FOUND,
          ...authErrors,
          ...METHOD,
        },
      },
    },
    '/v1/keys/{id}/revoke': {
      parameters: [keyId],
      post: {
        operationId: 'revokeKey',
        summary: 'Revoke a key at once, on every instance (scope keys:manage); again is a no-op',
        responses: {
          '200': ok('The revoked record', ref('KeyRecord')),
          ...NOT_FOUND,
          ...authErrors,
          ...METHOD,
        },
      },
    },
    '/v1/keys/{id}/rotate': {
      parameters: [keyId],
      post: {
        operationId: 'rotateKey',
        summary:
          'Replace a key by a new one with the same project, name and scopes (scope keys:manage)',
        requestBody: {
          required: false,
          content: { 'application/json': { schema: ref('RotateKeyRequest') } },
        },
        responses: {
          '201': ok('The new key, its record and the previous record', ref('RotatedKey')),
          '409': errorResponse(
            'The key is already revoked or expired, or was already rotated (of concurrent rotations of one key, one wins)',
          ),
          ...bodyErrors,
          ...NOT_FOUND,
          ...authErrors,
          ...METHOD,
        },
      },
    },
    '/v1/keys/{id}/usage': {
      parameters: [keyId],
      get: {
        operationId: 'keyUsage',
        summary: 'Usage of one key per hour or day and outcome (scope analytics:read)',
        parameters: usageParameters,
        responses: {
          '200': ok('The points', ref('KeyUsage')),
          '400': { $ref: '#/components/responses/BadRequest' },
          '501': errorResponse('The key store keeps no analytics'),
          ...NOT_FOUND,
          ...authErrors,
          ...METHOD,
        },
      },
    },
    '/v1/analytics/usage': {
      get: {
        operationId: 'projectUsage',
        summary: 'Usage of the project, and its keys most used first (scope analytics:read)',
        parameters: usageParameters,
        responses: {
          '200': ok('The points and the key ranking', ref('ProjectUsage')),
          '400': { $ref: '#/components/responses/BadRequest' },
          '501': errorResponse('The key store keeps no analytics'),
          ...authErrors,
          ...METHOD,
        },
      },
    },
    '/v1/audit': {
      get: {
        operationId: 'listAudit',
        summary: "The project's management actions, newest first (scope keys:manage)",
        parameters: [
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        ],
        responses: {
          '200': ok('The audit events', ref('AuditList')),
          '400': { $ref: '#/components/responses/BadRequest' },
          '501': errorResponse('The key store keeps no audit list'),
          ...authErrors,
          ...METHOD,
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openApi',
        summary: 'This document',
        security: [],
        responses: {
          '200': ok('The OpenAPI 3.1 document', { type: 'object' }),
          ...METHOD,
        },
      },
    },
    '/': {
      get: {
        operationId: 'dashboard',
        summary: 'The dashboard page',
        description:
          'A static page that calls this API with the key the user enters. Served with ' +
          '`Content-Security-Policy`, `X-Content-Type-Options: nosniff`, `Referrer-Policy: ' +
          'no-referrer` and an `ETag`. The mount point asked without its trailing slash ' +
          '(`/admin`) answers 308 with `Location: ./admin/`.',
        security: [],
        responses: {
          '200': {
            description: 'The page',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
          '304': { description: 'Not modified (`If-None-Match` named its ETag)' },
          '308': { description: 'Redirect to the mount point with its trailing slash' },
          ...METHOD,
        },
      },
    },
    '/assets/{file}': {
      get: {
        operationId: 'dashboardAsset',
        summary: 'A content-hashed script or style of the dashboard page',
        security: [],
        parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'The file, cacheable for a year (its name changes with its content)',
            content: {
              'text/javascript': { schema: { type: 'string' } },
              'text/css': { schema: { type: 'string' } },
            },
          },
          '304': { description: 'Not modified (`If-None-Match` named its ETag)' },
          ...NOT_FOUND,
          ...METHOD,
        },
      },
    },
  },
  components: {
    securitySchemes: {
      apiKey: {
        type: 'http',
        scheme: 'bearer',
        description: 'A Vectorcache API key: `Authorization: Bearer vc_<32 hex>`.',
      },
    },
    headers: {
      CacheControl: {
        description: 'Always `no-store`',
        required: true,
        schema: { type: 'string', const: 'no-store' },
      },
      WwwAuthenticate: {
        description: 'The RFC 6750 challenge',
        required: true,
        schema: { type: 'string', pattern: '^Bearer realm="vectorcache"' },
      },
      ScopeChallenge: {
        description:
          'The RFC 6750 challenge, when the key lacks the scope or the project (not on a refused grant)',
        schema: { type: 'string', pattern: '^Bearer realm="vectorcache"' },
      },
      RetryAfter: {
        description: 'Seconds to wait',
        required: true,
        schema: { type: 'string', pattern: '^[0-9]+$' },
      },
      Allow: {
        description: 'The methods of this path',
        required: true,
        schema: { type: 'string' },
      },
    },
    responses: {
      BadRequest: errorResponse(
        'Bad input: not JSON, not an object, an unknown field, an invalid name, scope, duration, date or range (the detail quotes the bad value)',
      ),
      Unauthorized: errorResponse(
        'No key, a malformed header, or an unknown, revoked or expired key',
        {
          'WWW-Authenticate': { $ref: '#/components/headers/WwwAuthenticate' },
        },
      ),
      Forbidden: errorResponse(
        'The key lacks the scope, belongs to another project than the one required, asks to grant scopes it does not have, to edit or rotate a key whose scopes it does not have, or to create a key that outlives it',
        { 'WWW-Authenticate': { $ref: '#/components/headers/ScopeChallenge' } },
      ),
      NotFound: errorResponse('Unknown path, or a key that is unknown or of another project'),
      MethodNotAllowed: errorResponse('Wrong method for this path', {
        Allow: { $ref: '#/components/headers/Allow' },
      }),
      TooLarge: errorResponse('Request body over 16 KiB'),
      UnsupportedMediaType: errorResponse(
        'Request body not `application/json` (UTF-8, uncompressed)',
      ),
      TooManyAttempts: errorResponse('Too many failed authentications from this client', {
        'Retry-After': { $ref: '#/components/headers/RetryAfter' },
      }),
      Unavailable: errorResponse('The key store is unreachable or too slow', {
        'Retry-After': { $ref: '#/components/headers/RetryAfter' },
      }),
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['detail'],
        additionalProperties: false,
        properties: { detail: { type: 'string' } },
      },
      Scopes: {
        type: 'array',
        items: { type: 'string', pattern: '^(?:\\*|[a-z0-9_-]+:(?:\\*|[a-z0-9_-]+))$' },
      },
      KeyRecord: {
        type: 'object',
        description: 'A key record. Never carries the key or its hash.',
        required: [
          'id',
          'projectId',
          'name',
          'prefix',
          'scopes',
          'createdAt',
          'lastUsedAt',
          'requestCount',
          'revokedAt',
          'expiresAt',
          'environment',
          'ownerId',
          'meta',
          'status',
          'rotationDue',
        ],
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          projectId: { type: 'string' },
          name: { type: 'string', minLength: 1, maxLength: 100 },
          prefix: { type: 'string', pattern: '^vc_[0-9a-f]{4}$' },
          scopes: ref('Scopes'),
          createdAt: { type: 'string', format: 'date-time' },
          lastUsedAt: nullableDate,
          requestCount: { type: 'integer', minimum: 0 },
          revokedAt: nullableDate,
          expiresAt: nullableDate,
          environment: { oneOf: [ref('Environment'), { type: 'null' }] },
          ownerId: { oneOf: [ref('OwnerId'), { type: 'null' }] },
          meta: { oneOf: [ref('Meta'), { type: 'null' }] },
          status: { type: 'string', enum: ['active', 'revoked', 'expired'] },
          rotationDue: {
            type: 'boolean',
            description: 'Active and older than the rotation period (default 90 days).',
          },
          rotatedFrom: { type: ['string', 'null'] },
          rotatedTo: { type: ['string', 'null'] },
        },
      },
      Environment: {
        type: 'string',
        pattern: '^[a-z0-9_-]{1,32}$',
        description: 'The environment a key is for; a server of another environment refuses it.',
        examples: ['production'],
      },
      OwnerId: {
        type: 'string',
        minLength: 1,
        maxLength: 128,
        description: "The application's own user or customer id the key belongs to.",
        examples: ['u_42'],
      },
      Meta: {
        type: 'object',
        description:
          'Flat metadata: string, number and boolean values, at most 2,048 bytes as compact JSON; never a key.',
        additionalProperties: { type: ['string', 'number', 'boolean'] },
        examples: [{ plan: 'pro', seats: 3 }],
      },
      KeyList: {
        type: 'object',
        required: ['keys'],
        additionalProperties: false,
        properties: { keys: { type: 'array', items: ref('KeyRecord') } },
      },
      PlaintextKey: {
        type: 'string',
        pattern: '^vc_[0-9a-f]{32}$',
        description: 'The key itself, shown this once: only its hash is stored.',
      },
      IssuedKey: {
        type: 'object',
        required: ['key', 'record'],
        additionalProperties: false,
        properties: { key: ref('PlaintextKey'), record: ref('KeyRecord') },
      },
      RotatedKey: {
        type: 'object',
        required: ['key', 'record', 'previous'],
        additionalProperties: false,
        properties: {
          key: ref('PlaintextKey'),
          record: ref('KeyRecord'),
          previous: ref('KeyRecord'),
        },
      },
      CreateKeyRequest: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 100 },
          scopes: {
            ...ref('Scopes'),
            description:
              'Default `["cache:*", "analytics:read"]`; only scopes the calling key has.',
          },
          expiresIn: { type: 'string', pattern: '^[0-9]{1,9}[smhd]$', examples: ['30d', '12h'] },
          expiresAt: { type: 'string', format: 'date-time' },
          environment: { oneOf: [ref('Environment'), { type: 'null' }] },
          ownerId: { oneOf: [ref('OwnerId'), { type: 'null' }] },
          meta: {
            oneOf: [ref('Meta'), { type: 'null' }],
            description: 'Replaces the metadata whole; null clears it.',
          },
        },
      },
      UpdateKeyRequest: {
        type: 'object',
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 100 },
          scopes: ref('Scopes'),
          environment: { oneOf: [ref('Environment'), { type: 'null' }] },
          ownerId: { oneOf: [ref('OwnerId'), { type: 'null' }] },
          meta: {
            oneOf: [ref('Meta'), { type: 'null' }],
            description: 'Replaces the metadata whole; null clears it.',
          },
        },
      },
      RotateKeyRequest: {
        type: 'object',
        additionalProperties: false,
        properties: {
          grace: {
            type: 'string',
            pattern: '^[0-9]{1,9}[smhd]$',
            description: 'How long the old key stays valid; default: revoked at once.',
            examples: ['24h'],
          },
        },
      },
      Outcomes: {
        type: 'object',
        required: [...USAGE_OUTCOMES],
        additionalProperties: false,
        properties: Object.fromEntries(
          USAGE_OUTCOMES.map((name) => [name, { type: 'integer', minimum: 0 }]),
        ),
      },
      UsagePoint: {
        type: 'object',
        required: ['start', 'requests', 'outcomes'],
        additionalProperties: false,
        properties: {
          start: { type: 'string', format: 'date-time' },
          requests: { type: 'integer', minimum: 0, description: 'The sum of all outcomes.' },
          outcomes: ref('Outcomes'),
        },
      },
      KeyUsage: {
        type: 'object',
        required: ['keyId', 'granularity', 'from', 'to', 'points'],
        additionalProperties: false,
        properties: { keyId: { type: 'string' }, ...SERIES },
      },
      ProjectUsage: {
        type: 'object',
        required: ['projectId', 'granularity', 'from', 'to', 'points', 'keys'],
        additionalProperties: false,
        properties: {
          projectId: { type: 'string' },
          ...SERIES,
          keys: {
            type: 'array',
            description: 'Keys with requests in the range, most used first.',
            items: {
              type: 'object',
              required: ['id', 'prefix', 'name', 'requests'],
              additionalProperties: false,
              properties: {
                id: { type: 'string' },
                prefix: { type: 'string' },
                name: { type: 'string' },
                requests: { type: 'integer', minimum: 0 },
              },
            },
          },
        },
      },
      AuditEvent: {
        type: 'object',
        required: ['at', 'action', 'actor', 'target'],
        additionalProperties: false,
        properties: {
          at: { type: 'string', format: 'date-time' },
          action: {
            type: 'string',
            enum: ['key.created', 'key.updated', 'key.revoked', 'key.rotated'],
          },
          actor: {
            description: 'The key that acted, or null for the CLI and code.',
            oneOf: [
              {
                type: 'object',
                required: ['keyId', 'prefix'],
                additionalProperties: false,
                properties: { keyId: { type: 'string' }, prefix: { type: 'string' } },
              },
              { type: 'null' },
            ],
          },
          target: {
            type: 'object',
            required: ['keyId', 'prefix', 'name'],
            additionalProperties: false,
            properties: {
              keyId: { type: 'string' },
              prefix: { type: 'string' },
              name: { type: 'string' },
            },
          },
        },
      },
      AuditList: {
        type: 'object',
        required: ['events'],
        additionalProperties: false,
        properties: { events: { type: 'array', items: ref('AuditEvent') } },
      },
    },
  },
};

/** A fresh copy of the OpenAPI 3.1 document of the management API. */
export function openApiDocument(): Record<string, unknown> {
  return structuredClone(DOCUMENT);
}
