import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openApiDocument } from '@vectorcache/auth-admin';
import type { Reply } from './mounts';

const DOC = openApiDocument() as {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { responses: Record<string, unknown>; headers: Record<string, unknown> };
};

/**
 * Validates the document with @seriousme/openapi-schema-validator (a maintained OpenAPI 3.1
 * validator; it is ESM-only, so it runs in a child Node process) and returns its verdict.
 */
export function validateDocument(doc: unknown): { valid: boolean; errors?: unknown } {
  const validator = require.resolve('@seriousme/openapi-schema-validator/package.json');
  const script = `
    import { Validator } from ${JSON.stringify(`${dirname(validator)}/index.js`)};
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const result = await new Validator().validate(JSON.parse(input));
    process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors ?? null }));
  `;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    input: JSON.stringify(doc),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return JSON.parse(out) as { valid: boolean; errors?: unknown };
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(DOC, 'openapi');
const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

const pointer = (...parts: string[]): string =>
  parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** The documented path template of a request path under the mount (`/v1/keys/key_1` -> `/v1/keys/{id}`). */
export function template(path: string): string | undefined {
  const clean = path.split('?')[0]!;
  return Object.keys(DOC.paths).find((candidate) => {
    const re = new RegExp(`^${candidate.replace(/\{id\}/g, '[^/]+').replace(/\./g, '\\.')}$`);
    return re.test(clean);
  });
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every JSON operation of the document, as `GET /v1/keys/{id}` (the page and its assets left out). */
export function jsonOperations(): string[] {
  return Object.entries(DOC.paths)
    .filter(([path]) => path.startsWith('/v1/') || path === '/openapi.json')
    .flatMap(([path, operations]) =>
      Object.keys(operations)
        .filter((method) => HTTP_METHODS.includes(method))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
}

/**
 * Checks one real answer against the document: its status is documented for that operation
 * (unknown paths: the NotFound response), every header the response declares is present, and
 * the JSON body matches the response's schema. Returns the problems found (none: `[]`).
 */
export function checkAnswer(method: string, path: string, reply: Reply): string[] {
  const problems: string[] = [];
  const found = template(path);
  let base: string;
  let response: { $ref?: string; headers?: Record<string, unknown> } | undefined;
  if (found === undefined) {
    base = pointer('components', 'responses', 'NotFound');
    response = DOC.components.responses.NotFound as typeof response;
    if (reply.status !== 404) problems.push(`undocumented path answered ${reply.status}`);
  } else {
    const operations = DOC.paths[found]!;
    const operation = operations[method.toLowerCase() === 'head' ? 'get' : method.toLowerCase()];
    if (!operation) {
      if (reply.status !== 405) problems.push(`undocumented method answered ${reply.status}`);
      base = pointer('components', 'responses', 'MethodNotAllowed');
      response = DOC.components.responses.MethodNotAllowed as typeof response;
    } else {
      response = operation.responses[String(reply.status)] as typeof response;
      if (!response) return [`status ${reply.status} is not documented for ${method} ${found}`];
      base = pointer('paths', found, method.toLowerCase(), 'responses', String(reply.status));
    }
  }
  if (response?.$ref) {
    const name = response.$ref.split('/').pop()!;
    base = pointer('components', 'responses', name);
    response = DOC.components.responses[name] as typeof response;
  }
  for (const [header, spec] of Object.entries(response?.headers ?? {})) {
    const headerRef = (spec as { $ref?: string }).$ref;
    const declared = (headerRef ? DOC.components.headers[headerRef.split('/').pop()!] : spec) as {
      required?: boolean;
      schema: object;
    };
    const value = reply.headers[header.toLowerCase()];
    if (value === undefined) {
      if (declared.required) problems.push(`missing header ${header}`);
    } else if (!ajv.validate(declared.schema, value)) {
      problems.push(`header ${header} does not match: ${String(value)}`);
    }
  }
  if (reply.headers['cache-control'] !== 'no-store') problems.push('Cache-Control is not no-store');
  if (reply.headers['content-type'] !== 'application/json') problems.push('not application/json');
  let body: unknown;
  try {
    body = JSON.parse(reply.body);
  } catch {
    return [...problems, 'body is not JSON'];
  }
  const ref = `openapi#/${base}/content/application~1json/schema`;
  let validate = compiled.get(ref);
  if (!validate) {
    validate = ajv.compile({ $ref: ref });
    compiled.set(ref, validate);
  }
  if (!validate(body)) problems.push(`body does not match: ${ajv.errorsText(validate.errors)}`);
  return problems;
}
