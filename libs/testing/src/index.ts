// No jest imports here: bench code imports this library too (describeWithKafka uses Jest's
// globals only when it is called).
export {
  asAttacker,
  createTestDatabase,
  testServerUrl,
  TestDatabaseUnavailableError,
  TEST_DATABASE_URL_ENV,
} from './postgres';
export type { TestDatabase, TestDatabaseOptions } from './postgres';
export { checkoutReadableBy, hardLinkedCheckout } from './readable-checkout';
export type { ReadableCheckout } from './readable-checkout';
export { candidatesNear, walSegmentsSince, walWindowFrom } from './postgres-wal';
export type { WalWindow } from './postgres-wal';
export { startKafkaBroker, KafkaBrokerStartError } from './kafka/kafka-broker';
export type { KafkaBroker, KafkaBrokerOptions, KafkaStopOptions } from './kafka/kafka-broker';
export {
  ensureKafkaDistribution,
  kafkaCacheDir,
  KafkaUnavailableError,
  KAFKA_CACHE_ENV,
} from './kafka/kafka-distribution';
export type { KafkaDistribution } from './kafka/kafka-distribution';
export {
  describeWithKafka,
  kafkaUnavailableReason,
  testKafkaBrokers,
  TestKafkaUnavailableError,
  TEST_KAFKA_BROKERS_ENV,
} from './kafka/test-kafka';
export type { KafkaRequirement } from './kafka/test-kafka';
export { describeWithOidc, testOidcProvider, TestOidcUnavailableError, TEST_OIDC_ISSUER_ENV } from './oidc/test-oidc';
export { ensureKeycloak, startKeycloak, KeycloakUnavailableError, KeycloakStartError } from './oidc/keycloak';
export type { Keycloak, KeycloakDistribution } from './oidc/keycloak';
export {
  BrowserUnavailableError,
  CHROMIUM_ENV,
  CHROMIUM_FLAGS,
  chromiumPath,
  chromiumUnavailableReason,
  describeWithBrowser,
  launchChromium,
  TEST_BROWSER_UNAVAILABLE_ENV,
} from './browser/chromium';
export { ensureWebAppBuilt } from './browser/web-build';
