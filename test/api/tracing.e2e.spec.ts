import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { mintToken } from '@tip/auth';
import { createTestDatabase, TestDatabase } from '@tip/testing';
import { cleanUp, REPO_ROOT, TipProcess } from './tip-process';

/**
 * OpenTelemetry tracing, received by an OTLP/HTTP collector of the test's own (it keeps what TIP
 * sends; TIP is not mocked): one trace from the caller's traceparent through the HTTP request, the
 * command, its append and the read models' projection of its events.
 */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  service: string;
}

interface OtlpJson {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: Omit<ReceivedSpan, 'service'>[] }[];
  }[];
}

const SPAN_KIND_SERVER = 2;

class Collector {
  readonly spans: ReceivedSpan[] = [];
  readonly protobufBodies: Buffer[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      void this.receive(request).then(
        () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
        () => response.writeHead(400).end(),
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async receive(request: IncomingMessage): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    if (request.url !== '/v1/traces') throw new Error(`unexpected ${request.url}`);
    if (request.headers['content-type'] === 'application/x-protobuf') {
      this.protobufBodies.push(body);
      return;
    }
    const payload = JSON.parse(body.toString('utf8')) as OtlpJson;
    for (const resourceSpans of payload.resourceSpans) {
      const service =
        resourceSpans.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue ??
        '';
      for (const scope of resourceSpans.scopeSpans)
        for (const span of scope.spans) this.spans.push({ ...span, service });
    }
  }

  async until<T>(find: () => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline)
        throw new Error(`no ${what} in 30 s; received: ${JSON.stringify(this.spans.map((span) => span.name))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('tracing with OpenTelemetry', () => {
  let database: TestDatabase;
  const secret = randomBytes(32).toString('hex');

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await cleanUp();
    await database?.drop();
  });

  const startTraced = (endpoint: string, protocol: 'http/json' | 'http/protobuf') =>
    TipProcess.start({
      env: {
        DATABASE_URL: database.url,
        PORT: '0',
        TIP_JWT_SECRET: secret,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        // Sent within a fifth of a second, not the default five.
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
    });

  const register = async (url: string, unitId: string, traceparent: string) => {
    const token = await mintToken(secret, { sub: 'importer', role: 'system' }, '5m');
    const response = await fetch(`${url}/commands/RegisterOrgUnit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', traceparent },
      body: JSON.stringify({ unitId, kind: 'province', name: '江苏省' }),
    });
    expect(response.status).toBe(200);
  };

  it('traces HTTP → command → append → projection as one trace, continuing the caller’s', async () => {
    const collector = new Collector();
    const tip = startTraced(await collector.start(), 'http/json');
    try {
      const { url } = await tip.waitForReady();
      const traceId = randomBytes(16).toString('hex');
      const callerSpan = randomBytes(8).toString('hex');
      await register(url, '320000', `00-${traceId}-${callerSpan}-01`);

      const inTrace = () => collector.spans.filter((span) => span.traceId === traceId);
      const http = await collector.until(
        () => inTrace().find((span) => span.kind === SPAN_KIND_SERVER),
        'HTTP server span',
      );
      expect(http).toMatchObject({ parentSpanId: callerSpan, service: 'tip-api' });
      const command = await collector.until(
        () => inTrace().find((span) => span.name === 'command RegisterOrgUnit'),
        'command span',
      );
      expect(command.parentSpanId).toBe(http.spanId);
      const append = await collector.until(() => inTrace().find((span) => span.name === 'append'), 'append span');
      expect(append.parentSpanId).toBe(command.spanId);
      for (const readModel of ['progress', 'inspections']) {
        const projection = await collector.until(
          () => inTrace().find((span) => span.name === `project ${readModel}`),
          `projection span of ${readModel}`,
        );
        expect(projection.parentSpanId).toBe(command.spanId);
      }
    } finally {
      expect(await tip.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      await collector.stop();
    }
  }, 120_000);

  it('sends protobuf by default (OTLP/HTTP), naming the caller’s trace', async () => {
    const collector = new Collector();
    const tip = startTraced(await collector.start(), 'http/protobuf');
    try {
      const { url } = await tip.waitForReady();
      const traceId = randomBytes(16);
      await register(url, '320100', `00-${traceId.toString('hex')}-${randomBytes(8).toString('hex')}-01`);
      // The trace id's 16 bytes, as protobuf carries them.
      await collector.until(
        () => (collector.protobufBodies.some((body) => body.includes(traceId)) ? true : undefined),
        'protobuf export naming the trace',
      );
    } finally {
      expect(await tip.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      await collector.stop();
    }
  }, 120_000);

  it('loads no OpenTelemetry SDK when no endpoint is set', async () => {
    const script = [
      "const { startTracing, inSpan } = require('./libs/observability/src/index.ts');",
      "const tracing = startTracing('tip-api', {});",
      "inSpan('command X', {}, async () => 1).then(() => {",
      '  const sdk = Object.keys(require.cache).filter((file) => /@opentelemetry[\\\\/](sdk|exporter|instrumentation)/.test(file));',
      '  console.log(JSON.stringify({ tracing: tracing === undefined ? null : "on", sdk }));',
      '});',
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', './scripts/register.js', '-e', script], {
      cwd: REPO_ROOT,
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: '' },
    });
    expect(JSON.parse(stdout.trim().split('\n').pop() ?? '')).toEqual({ tracing: null, sdk: [] });
  }, 60_000);
});
