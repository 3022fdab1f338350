import { AddressInfo } from 'node:net';
import { startApiUnderTest } from './support/api-under-test';

describe('the address the API listens on', () => {
  const listening = async (environment: Record<string, string>) => {
    const api = await startApiUnderTest(environment);
    try {
      return {
        address: (api.tip.app.getHttpServer().address() as AddressInfo).address,
        url: api.tip.url,
        live: (await api.get(undefined, '/health/live')).status,
      };
    } finally {
      await api.stop();
    }
  };

  it('is loopback by default, as the README says', async () => {
    expect(await listening({})).toMatchObject({
      address: '127.0.0.1',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/api$/),
      live: 200,
    });
  });

  it('is every interface when TIP_HOST=0.0.0.0, still reached on loopback', async () => {
    expect(await listening({ TIP_HOST: '0.0.0.0' })).toMatchObject({ address: '0.0.0.0', live: 200 });
  });
});
