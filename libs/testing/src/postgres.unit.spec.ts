import { createTestDatabase, TestDatabaseUnavailableError } from './postgres';

describe('createTestDatabase outside the int project', () => {
  const saved = process.env.TIP_TEST_DATABASE_URL;
  beforeEach(() => delete process.env.TIP_TEST_DATABASE_URL);
  afterEach(() => {
    if (saved !== undefined) process.env.TIP_TEST_DATABASE_URL = saved;
  });

  it('says how to get a database instead of failing to connect somewhere', async () => {
    const attempt = createTestDatabase();
    await expect(attempt).rejects.toBeInstanceOf(TestDatabaseUnavailableError);
    await expect(attempt).rejects.toThrow(/TIP_TEST_DATABASE_URL is not set.*\*\.int\.spec\.ts/s);
  });
});
