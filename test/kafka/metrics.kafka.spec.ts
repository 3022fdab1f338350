import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { Actor } from '@tip/domain';
import { describeWithKafka, testKafkaBrokers } from '@tip/testing';
import { ApiUnderTest, startApiUnderTest } from '../api/support/api-under-test';
import { parsePrometheusText, Sample, valueOf } from '../api/support/prometheus';
import { uniqueTopic } from './kafka-support';

const root = path.resolve(__dirname, '../..');
const system: Actor = { sub: 'importer', role: 'system' };
const PARTITIONS = '2';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** apps/relay or apps/projector as operators run them, with their metrics on a port of their own. */
function spawnApp(app: 'relay' | 'projector', env: Record<string, string>): { child: ChildProcess; log: string[] } {
  const log: string[] = [];
  const child = spawn(process.execPath, ['-r', './scripts/register.js', `apps/${app}/src/main.ts`], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  return { child, log };
}

async function scrape(url: string): Promise<Sample[]> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

/** Scrapes until `done` holds (the relay and workers work in the background), or fails with the last scrape. */
async function scrapeUntil(url: string, done: (samples: Sample[]) => boolean, what: string): Promise<Sample[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let samples: Sample[] | undefined;
    try {
      samples = await scrape(url);
      if (done(samples)) return samples;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen in 60 s; last scrape of ${url}:\n${JSON.stringify(samples)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );

describeWithKafka('Kafka metrics: the relay and the projector workers', () => {
  const apps: { child: ChildProcess; log: string[] }[] = [];
  const apis: ApiUnderTest[] = [];

  afterAll(async () => {
    for (const app of apps) app.child.kill('SIGTERM');
    await Promise.all(apps.map((app) => exited(app.child)));
    await Promise.all(apis.map((api) => api.stop()));
  }, 60_000);

  const kafkaApi = async (topic: string, relay: 'inprocess' | 'off') => {
    const api = await startApiUnderTest({
      TIP_PROJECTIONS: 'kafka',
      TIP_RELAY: relay,
      KAFKA_BROKERS: testKafkaBrokers(),
      TIP_KAFKA_TOPIC: topic,
      TIP_KAFKA_PARTITIONS: PARTITIONS,
    });
    apis.push(api);
    return api;
  };

  it('apps/relay and apps/projector serve TIP_METRICS_PORT: what was published and taken in, and the API sees the lag close', async () => {
    const topic = uniqueTopic();
    const api = await kafkaApi(topic, 'off');
    const env = {
      DATABASE_URL: api.database.url,
      KAFKA_BROKERS: testKafkaBrokers(),
      TIP_KAFKA_TOPIC: topic,
      TIP_KAFKA_PARTITIONS: PARTITIONS,
    };
    const [relayPort, projectorPort] = [await freePort(), await freePort()];
    apps.push(spawnApp('relay', { ...env, TIP_METRICS_PORT: String(relayPort) }));
    apps.push(spawnApp('projector', { ...env, TIP_METRICS_PORT: String(projectorPort) }));
    const relayMetrics = `http://127.0.0.1:${relayPort}/metrics`;
    const projectorMetrics = `http://127.0.0.1:${projectorPort}/metrics`;
    await scrapeUntil(
      relayMetrics,
      (samples) => valueOf(samples, 'tip_kafka_relay_position') !== undefined,
      'relay up',
    );

    let position = 0;
    for (const unit of [
      { unitId: '320000', kind: 'province', name: '江苏省' },
      { unitId: '320700', kind: 'city', name: '连云港市', parentId: '320000' },
      { unitId: '320703', kind: 'county', name: '连云区', parentId: '320700' },
    ]) {
      const answer = await api.send(system, 'RegisterOrgUnit', unit);
      expect(answer.status).toBe(200);
      position = Number(answer.body.position);
    }

    const relay = await scrapeUntil(
      relayMetrics,
      (samples) => (valueOf(samples, 'tip_kafka_relay_position') ?? 0) >= position,
      `the relay publishing position ${position}`,
    );
    expect(valueOf(relay, 'tip_kafka_relay_lag_positions')).toBe(0);
    expect(valueOf(relay, 'tip_event_store_head_position')).toBe(position);
    expect(valueOf(relay, 'tip_db_pool_connections', { pool: 'event-store', state: 'total' })).toBeGreaterThan(0);
    expect(valueOf(relay, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    const projector = await scrapeUntil(
      projectorMetrics,
      (samples) =>
        ['progress', 'inspections'].every(
          (readModel) => (valueOf(samples, 'tip_read_model_position', { read_model: readModel }) ?? 0) >= position,
        ),
      `the workers taking in position ${position}`,
    );
    expect(valueOf(projector, 'nodejs_eventloop_lag_p99_seconds')).toEqual(expect.any(Number));
    // The broker's own account: every group has committed all the relay published, on every partition.
    const lagged = await scrapeUntil(
      projectorMetrics,
      (samples) =>
        samples.filter((sample) => sample.name === 'tip_kafka_consumer_lag_messages').length === 4 &&
        samples.every((sample) => sample.name !== 'tip_kafka_consumer_lag_messages' || sample.value === 0),
      'the consumer groups at the end of every partition',
    );
    for (const readModel of ['progress', 'inspections'])
      for (const partition of ['0', '1'])
        expect(valueOf(lagged, 'tip_kafka_consumer_lag_messages', { read_model: readModel, partition })).toBe(0);

    const views = await scrapeUntil(
      `${api.tip.url}/metrics`,
      (samples) => valueOf(samples, 'tip_read_model_lag_positions') === 0,
      'the API seeing the read models at the head',
    );
    expect(valueOf(views, 'tip_read_model_position', { read_model: 'progress' })).toBeGreaterThanOrEqual(position);
    // The relay runs elsewhere: this process publishes nothing, and says nothing about it.
    expect(valueOf(views, 'tip_kafka_relay_position')).toBeUndefined();
  }, 120_000);

  it("the API's own relay (TIP_RELAY=inprocess) reports what it published and how far behind it is", async () => {
    const api = await kafkaApi(uniqueTopic(), 'inprocess');
    const answer = await api.send(system, 'RegisterOrgUnit', { unitId: '320000', kind: 'province', name: '江苏省' });
    expect(answer.status).toBe(200);
    const samples = await scrapeUntil(
      `${api.tip.url}/metrics`,
      (scraped) => (valueOf(scraped, 'tip_kafka_relay_position') ?? 0) >= Number(answer.body.position),
      'the relay publishing the command',
    );
    expect(valueOf(samples, 'tip_kafka_relay_lag_positions')).toBe(0);
  }, 120_000);
});
