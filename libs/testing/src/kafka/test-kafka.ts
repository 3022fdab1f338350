/** Bootstrap address (`host:port`) of the Kafka broker for this test run; set by the kafka project's globalSetup, or by you. */
export const TEST_KAFKA_BROKERS_ENV = 'TIP_TEST_KAFKA_BROKERS';
/** Why there is no broker for this run (set by globalSetup outside CI instead of failing). */
export const TEST_KAFKA_UNAVAILABLE_ENV = 'TIP_TEST_KAFKA_UNAVAILABLE';
/** Why tests cannot start brokers of their own here (no Java, no Maven, no download). */
export const TEST_KAFKA_LOCAL_UNAVAILABLE_ENV = 'TIP_TEST_KAFKA_LOCAL_UNAVAILABLE';

const NOT_IN_KAFKA_PROJECT =
  `${TEST_KAFKA_BROKERS_ENV} is not set: tests that need Kafka must be named *.kafka.spec.ts so that they run in ` +
  "the Jest 'kafka' project, whose globalSetup starts a broker (`npx jest --selectProjects kafka`), or " +
  `${TEST_KAFKA_BROKERS_ENV} must name a running broker (host:port)`;

export class TestKafkaUnavailableError extends Error {
  constructor(reason: string) {
    super(`No Kafka broker for this test: ${reason}`);
    this.name = new.target.name;
  }
}

export interface KafkaRequirement {
  /** The tests start brokers of their own (startKafkaBroker), e.g. to stop and restart one. */
  readonly localBroker?: boolean;
}

/** Why Kafka tests cannot run here, or undefined when they can. */
export function kafkaUnavailableReason(requirement: KafkaRequirement = {}): string | undefined {
  if (!process.env[TEST_KAFKA_BROKERS_ENV]) return process.env[TEST_KAFKA_UNAVAILABLE_ENV] || NOT_IN_KAFKA_PROJECT;
  if (requirement.localBroker) return process.env[TEST_KAFKA_LOCAL_UNAVAILABLE_ENV] || undefined;
  return undefined;
}

/** The broker of this test run (`host:port`); throws TestKafkaUnavailableError naming why there is none. */
export function testKafkaBrokers(): string {
  const brokers = process.env[TEST_KAFKA_BROKERS_ENV];
  if (!brokers) throw new TestKafkaUnavailableError(kafkaUnavailableReason() ?? NOT_IN_KAFKA_PROJECT);
  return brokers;
}

/**
 * `describe` for suites that need Kafka. Without a broker (no Java or Maven here, or the download
 * failed) the suite is skipped with the reason in its title and a warning, except under CI=true,
 * where it fails with the reason: CI must never pass by skipping.
 */
export function describeWithKafka(name: string, fn: () => void, requirement: KafkaRequirement = {}): void {
  const reason = kafkaUnavailableReason(requirement);
  if (reason === undefined) {
    describe(name, fn);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has a Kafka broker (CI=true: Kafka suites fail rather than skip)', () => {
        throw new TestKafkaUnavailableError(reason);
      });
    });
    return;
  }
  const what =
    requirement.localBroker && process.env[TEST_KAFKA_BROKERS_ENV]
      ? 'cannot start a Kafka broker here'
      : 'no Kafka broker';
  console.warn(
    `\n!!! SKIPPING "${name}": ${what}.\n!!! ${reason.split('\n').join('\n!!! ')}\n` +
      '!!! (Under CI=true this fails instead.)\n',
  );
  describe.skip(`${name} [SKIPPED, ${what}: ${reason.split('\n')[0]}]`, fn);
}
