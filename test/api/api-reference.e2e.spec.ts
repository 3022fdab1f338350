import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ROLES } from '@tip/domain';
import { ApiUnderTest, startApiUnderTest } from './support/api-under-test';

/**
 * docs/API.md and the OpenAPI document a running TIP serves at /api/docs say the same things:
 * the same commands with the same fields (optional ones marked `?`) and roles, the same routes
 * with the same parameters. A command or route added without its section fails here, with the
 * section to write.
 */

const root = path.resolve(__dirname, '../..');
const reference = readFileSync(path.join(root, 'docs', 'API.md'), 'utf8');
const IMPORT_FIELDS = new Set(['at', 'actor']);

interface Operation {
  summary?: string;
  description?: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: { 'application/json': { schema: { properties?: object; required?: string[] } } } };
}
type OpenApi = { paths: Record<string, Record<string, Operation>> };

/** `### heading` → the text up to the next heading of level 2 or 3. */
function sections(text: string): Map<string, string> {
  const result = new Map<string, string>();
  const parts = text.split(/^(#{2,3} .*)$/m);
  for (let i = 1; i < parts.length; i += 2) {
    if (parts[i].startsWith('### ')) result.set(parts[i].slice(4).trim(), parts[i + 1] ?? '');
  }
  return result;
}

/** The text between `## title` and the next level-2 heading. */
function chapter(text: string, title: string): string {
  const start = text.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`docs/API.md has no "## ${title}" chapter`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The opening of the `## …` chapter a `### heading` is in, up to its first `###`. */
function preambleOf(heading: string): string {
  const at = reference.indexOf(`\n### ${heading}\n`);
  const chapterStart = reference.lastIndexOf('\n## ', at);
  return reference.slice(chapterStart, reference.indexOf('\n### ', chapterStart + 1));
}

/** The text of a `- **Name**: …` item, continuation lines included. */
function item(section: string, name: string): string | undefined {
  return new RegExp(`^- \\*\\*${name}\\*\\*:(.*(?:\\n  .*)*)`, 'm').exec(section)?.[1];
}

/** Backticked names outside parentheses (inside them are values and remarks), with `?` for optional. */
function documentedFields(fieldsItem: string): Map<string, boolean> {
  let text = fieldsItem;
  while (/\([^()]*\)/.test(text)) text = text.replace(/\([^()]*\)/g, '');
  return new Map([...text.matchAll(/`([A-Za-z][A-Za-z0-9]*)`(\?)?/g)].map((match) => [match[1], match[2] !== '?']));
}

function codesIn(text: string): Set<string> {
  return new Set([...text.matchAll(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g)].map((match) => match[0]));
}

function rolesOf(operation: Operation): string[] {
  const listed = /\(roles: ([^)]*)\)/.exec(operation.summary ?? '')?.[1] ?? '';
  return listed
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.includes('.spec.') ? [full] : [];
  });
}

describe('docs/API.md agrees with the OpenAPI document served at /api/docs', () => {
  let api: ApiUnderTest;
  let openApi: OpenApi;
  const documented = sections(reference);
  const commandSections = sections(chapter(reference, 'Commands'));

  beforeAll(async () => {
    api = await startApiUnderTest();
    const response = await fetch(`${api.tip.url}/docs/openapi.json`);
    expect(response.status).toBe(200);
    openApi = (await response.json()) as OpenApi;
  });
  afterAll(() => api?.stop());

  const commands = () =>
    Object.entries(openApi.paths)
      .filter(([route]) => route.startsWith('/api/commands/'))
      .map(([route, methods]) => ({ name: route.slice('/api/commands/'.length), operation: methods.post }));
  const routes = () =>
    Object.entries(openApi.paths)
      .filter(([route]) => !route.startsWith('/api/commands/'))
      .flatMap(([route, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({
          heading: `\`${method.toUpperCase()} ${route}\``,
          operation,
        })),
      );

  it('documents every command: its fields, which of them are optional, who may send it, and its refusals', () => {
    const problems: string[] = [];
    for (const { name, operation } of commands()) {
      const section = commandSections.get(name);
      const schema = operation.requestBody?.content['application/json'].schema;
      const fields = Object.keys(schema?.properties ?? {}).filter((field) => !IMPORT_FIELDS.has(field));
      const required = new Set(schema?.required ?? []);
      const roles = rolesOf(operation);
      if (section === undefined) {
        problems.push(
          `POST /api/commands/${name} is not documented: add "### ${name}" under "## Commands" in docs/API.md, with ` +
            `"- **Fields**: ${fields.map((field) => `\`${field}\`${required.has(field) ? '' : '?'}`).join('; ')}", ` +
            `"- **Who**: ${roles.map((role) => `\`${role}\``).join(', ')}" and "- **Refused**: " its 422 codes`,
        );
        continue;
      }
      const fieldsItem = item(section, 'Fields') ?? '';
      const inDoc = documentedFields(fieldsItem);
      for (const field of fields) {
        if (!inDoc.has(field)) problems.push(`${name}: the field \`${field}\` is missing from its Fields`);
        else if (inDoc.get(field) !== required.has(field)) {
          problems.push(`${name}: \`${field}\` is ${required.has(field) ? 'required' : 'optional (mark it `?`)'}`);
        }
      }
      for (const field of inDoc.keys()) {
        if (!fields.includes(field)) problems.push(`${name}: documents \`${field}\`, which the command does not take`);
      }
      // Roles are named in backticks; other words (a teacher's school) are remarks.
      const who = new Set([...(item(section, 'Who') ?? '').matchAll(/`([a-z-]+)`/g)].map((match) => match[1]));
      for (const role of roles) {
        if (!who.has(role)) problems.push(`${name}: Who does not name \`${role}\``);
      }
      for (const role of ROLES) {
        if (who.has(role) && !roles.includes(role))
          problems.push(`${name}: Who names \`${role}\`, who may not send it`);
      }
      // The OpenAPI description ends with "Refuses CODE, CODE (…)": the same codes, no more, no fewer.
      const served = codesIn(/Refuses (.*)$/s.exec(operation.description ?? '')?.[1] ?? '');
      const listed = codesIn(item(section, 'Refused') ?? '');
      for (const code of served) if (!listed.has(code)) problems.push(`${name}: Refused lacks \`${code}\``);
      for (const code of listed)
        if (!served.has(code)) problems.push(`${name}: Refused names \`${code}\`, which /api/docs does not`);
    }
    expect(problems).toEqual([]);
  });

  it('documents no command the API does not serve', () => {
    const served = new Set(commands().map(({ name }) => name));
    expect([...commandSections.keys()].filter((name) => !served.has(name))).toEqual([]);
  });

  it('documents every other route, with each of its path and query parameters, and no route the API does not serve', () => {
    const problems: string[] = [];
    for (const { heading, operation } of routes()) {
      const section = documented.get(heading);
      if (section === undefined) {
        problems.push(`${heading} is not documented: add "### ${heading}" to docs/API.md`);
        continue;
      }
      // Parameters the chapter's opening explains for all its routes (minPosition) count too.
      const said = `${heading}\n${section}\n${preambleOf(heading)}`;
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in !== 'path' && parameter.in !== 'query') continue;
        if (!said.includes(`\`${parameter.name}\``) && !said.includes(`{${parameter.name}}`)) {
          problems.push(`${heading}: its ${parameter.in} parameter \`${parameter.name}\` is not mentioned`);
        }
      }
    }
    const served = new Set(routes().map(({ heading }) => heading));
    for (const heading of documented.keys()) {
      if (/^`[A-Z]+ \//.test(heading) && !served.has(heading)) problems.push(`${heading} is documented but not served`);
    }
    expect(problems).toEqual([]);
  });

  it('names only error codes that the code raises', () => {
    const source = ['apps', 'libs'].flatMap((dir) =>
      sourceFiles(path.join(root, dir)).map((file) => readFileSync(file, 'utf8')),
    );
    const refusals = [...commandSections.values()].map((section) => item(section, 'Refused') ?? '');
    const named = [...refusals, chapter(reference, 'Errors')].join('\n');
    const codes = new Set([...named.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)].map((match) => match[1]));
    expect(codes.size).toBeGreaterThan(20);
    expect([...codes].filter((code) => !source.some((text) => text.includes(`'${code}'`)))).toEqual([]);
  });
});
