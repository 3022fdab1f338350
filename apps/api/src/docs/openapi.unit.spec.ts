import { contractCommands, importEnvelope } from '@tip/application';
import { ROLES } from '@tip/domain';
import { openApiDocument } from './openapi';

type Schema = {
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  maxLength?: number;
  minLength?: number;
  maximum?: number;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  required?: string[];
  additionalProperties?: boolean | Schema;
};
interface Operation {
  description?: string;
  parameters?: { name: string; in: string; schema: Schema }[];
  requestBody?: { content: { 'application/json': { schema: Schema } } };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}

/**
 * What a generated client relies on, checked in the document itself: every string a caller
 * sends is bounded, identifiers carry their format and lengths, the import actor is closed, every
 * answer a route can give is listed with its schema, and every command says who sends it and what
 * it refuses. (Schemathesis, test/fuzz, checks that the server keeps to it.)
 */
describe('the OpenAPI document', () => {
  const document = openApiDocument(contractCommands);
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, Operation>).map(([method, operation]) => ({ path, method, operation })),
  );
  const commands = operations.filter(({ path }) => path.startsWith('/api/commands/'));

  /** Every string in a schema that has no bound: no maxLength, enum, pattern or format of its own. */
  function unbounded(schema: Schema | undefined, at: string): string[] {
    if (!schema) return [];
    const here =
      schema.type === 'string' &&
      schema.maxLength === undefined &&
      schema.enum === undefined &&
      schema.pattern === undefined &&
      schema.format === undefined
        ? [at]
        : [];
    return [
      ...here,
      ...Object.entries(schema.properties ?? {}).flatMap(([name, each]) => unbounded(each, `${at}.${name}`)),
      ...unbounded(schema.items, `${at}[]`),
      ...(schema.anyOf ?? []).flatMap((each, index) => unbounded(each, `${at}|${index}`)),
      ...(typeof schema.additionalProperties === 'object' ? unbounded(schema.additionalProperties, `${at}.*`) : []),
    ];
  }

  it('bounds every string a command takes, and gives identifiers their format and lengths', () => {
    expect(commands.length).toBe(contractCommands.length);
    const problems: string[] = [];
    for (const { path, operation } of commands) {
      const body = operation.requestBody?.content['application/json'].schema;
      problems.push(...unbounded(body, path));
      for (const [name, field] of Object.entries(body?.properties ?? {})) {
        if (/Id$/.test(name) && field.type === 'string' && !['recordId', 'courseId', 'videoId'].includes(name))
          if (field.format !== 'identifier' || field.minLength !== 1 || field.maxLength !== 64)
            problems.push(`${path}: ${name} is not described as an identifier`);
      }
    }
    expect(problems).toEqual([]);
  });

  /** Every string in a schema, with where it is. */
  function strings(schema: Schema | undefined, at: string): { at: string; schema: Schema }[] {
    if (!schema) return [];
    return [
      ...(schema.type === 'string' ? [{ at, schema }] : []),
      ...Object.entries(schema.properties ?? {}).flatMap(([name, each]) => strings(each, `${at}.${name}`)),
      ...strings(schema.items, `${at}[]`),
      ...(schema.anyOf ?? []).flatMap((each, index) => strings(each, `${at}|${index}`)),
      ...(typeof schema.additionalProperties === 'object' ? strings(schema.additionalProperties, `${at}.*`) : []),
    ];
  }

  it('says of every string a command takes that U+0000 is not in it, as the server refuses it everywhere', () => {
    const mayHoldNul = commands
      .flatMap(({ path, operation }) => strings(operation.requestBody?.content['application/json'].schema, path))
      // An enum or a format of TIP's own (an identifier, fuzzed by its own strategy) says it already.
      .filter(({ schema }) => schema.enum === undefined && schema.format === undefined)
      .filter(({ schema }) => schema.pattern === undefined || new RegExp(schema.pattern).test('a\u0000b'))
      .map(({ at }) => at);
    expect(mayHoldNul).toEqual([]);
  });

  it("closes the import actor: its role one of TIP's, nothing else in it", () => {
    for (const { operation } of commands) {
      const actor = operation.requestBody?.content['application/json'].schema.properties?.actor;
      expect(actor).toMatchObject({ additionalProperties: false, required: ['sub', 'role'] });
      expect(actor?.properties?.role.enum).toEqual([...ROLES]);
      expect(actor?.properties?.sub.maxLength).toBe(200);
    }
  });

  it('says what the server checks of `at` and `actor.sub`: whatever their patterns admit is accepted', () => {
    const body = commands[0].operation.requestBody?.content['application/json'].schema;
    const at = new RegExp(body?.properties?.at.pattern ?? '(no pattern)');
    const sub = new RegExp(body?.properties?.actor.properties?.sub.pattern ?? '(no pattern)');
    const accepted = (value: Record<string, unknown>) => importEnvelope.safeParse(value).success;
    for (const instant of [
      '2020-11-03T08:00:00+08:00',
      '1000-01-01T00:00:00Z',
      '1000-01-01T00:00:00-05:00',
      '1000-01-01T05:00:00+00:00',
      '9999-12-31T23:59:59.999999Z',
      '9999-12-31T12:00:00+08:00',
      '0150-02-03T00:52:26.000Z',
      '0999-12-31T23:59:59Z',
      '1000-01-01T00:30:00+01:00',
      '9999-12-31T23:30:00-01:00',
    ])
      expect({ instant, admitted: at.test(instant) }).toEqual({ instant, admitted: accepted({ at: instant }) });
    for (const name of ['mallory', '张三', 'a\tb', 'bell\u0007', 'nul\u0000', ' '])
      expect({ name, admitted: sub.test(name) }).toEqual({
        name,
        admitted: accepted({ actor: { sub: name, role: 'system' } }),
      });
  });

  it('says what the server checks of an issuing office: whatever its pattern and lengths admit is accepted', () => {
    const command = contractCommands.find(({ name }) => name === 'SetIssuingOffice');
    const body = operations.find(({ path }) => path === '/api/commands/SetIssuingOffice')?.operation.requestBody
      ?.content['application/json'].schema;
    const office = body?.properties?.issuingOffice;
    const pattern = new RegExp(office?.pattern ?? '(no pattern)');
    for (const name of ['连云港市教育局项目办', 'a\u0082b', 'a<b', ' ', '\ufeff', 'x'.repeat(100), 'x'.repeat(101)]) {
      const admitted = pattern.test(name) && [...name].length <= (office?.maxLength ?? 0);
      expect({ name, admitted }).toEqual({
        name,
        admitted: command?.schema.safeParse({ unitId: 'U', issuingOffice: name }).success,
      });
    }
  });

  it('says that RevokeToken takes jti or sub, not both', () => {
    const body = operations.find(({ path }) => path === '/api/commands/RevokeToken')?.operation.requestBody?.content[
      'application/json'
    ].schema;
    expect(body?.oneOf).toEqual([{ required: ['jti'] }, { required: ['sub'] }]);
  });

  it('bounds positions to 15 digits and gives Idempotency-Key its least length', () => {
    const positions = operations.flatMap(({ operation }) =>
      (operation.parameters ?? []).filter((parameter) => /position$/i.test(parameter.name)),
    );
    expect(positions.length).toBeGreaterThan(8);
    for (const parameter of positions) expect(parameter.schema.maximum).toBe(999_999_999_999_999);
    for (const { operation } of commands) {
      const key = operation.parameters?.find((parameter) => parameter.name === 'Idempotency-Key');
      expect(key?.schema).toMatchObject({ minLength: 1, maxLength: 200 });
    }
  });

  it('lists every refusal a command can answer, and says who sends it and what it refuses', () => {
    for (const { path, operation } of commands) {
      expect({ path, statuses: Object.keys(operation.responses) }).toEqual({
        path,
        statuses: ['200', '400', '401', '403', '409', '413', '415', '422', '503'],
      });
      expect({ path, who: /\b(Sent|sent)\b[^.]* by\b|\bby system\b/.test(operation.description ?? '') }).toEqual({
        path,
        who: true,
      });
      expect({ path, refuses: /\bRefuses\b/.test(operation.description ?? '') }).toEqual({ path, refuses: true });
    }
  });

  it('lists for every view 400, 401, 403, 404 and both 503s, each with its schema', () => {
    const views = operations.filter(({ path }) => /^\/api\/(views|notices|inspections)\//.test(path));
    expect(views.length).toBeGreaterThanOrEqual(8);
    for (const { path, operation } of views) {
      for (const status of ['200', '400', '401', '403', '404', '503'])
        expect({ path, status, listed: operation.responses[status] !== undefined }).toEqual({
          path,
          status,
          listed: true,
        });
      const unavailable = JSON.stringify(operation.responses['503']);
      expect(unavailable).toContain('VIEW_BEHIND');
      expect(unavailable).toContain('UNAVAILABLE');
      for (const parameter of operation.parameters ?? [])
        if (parameter.in === 'path') expect(parameter.schema).toMatchObject({ format: 'identifier', maxLength: 64 });
    }
  });

  it('gives the health routes and the certificate check their schemas', () => {
    for (const path of ['/api/health', '/api/health/live', '/api/health/ready', '/api/certificates/{code}']) {
      const operation = (document.paths[path] as Record<string, Operation>).get;
      for (const [status, response] of Object.entries(operation.responses))
        expect({ path, status, schema: response.content?.['application/json']?.schema !== undefined }).toEqual({
          path,
          status,
          schema: true,
        });
    }
    const code = (document.paths['/api/certificates/{code}'] as Record<string, Operation>).get.parameters?.[0];
    expect(code?.schema).toMatchObject({ pattern: '^[A-Za-z0-9-]{1,40}$', maxLength: 40 });
  });
});
