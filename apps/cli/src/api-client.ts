/** Sends contract commands to a running TIP, as any outside importer would. */
export class TipClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    /** Asked of the API, so its refusals come back in the operator's language. */
    private readonly acceptLanguage?: string,
  ) {}

  async send(
    name: string,
    body: unknown,
    idempotencyKey?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await this.fetch(`/commands/${name}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${this.token}`,
        ...(this.acceptLanguage ? { 'accept-language': this.acceptLanguage } : {}),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** GET a path under the API; JSON answers parsed. */
  async get(path: string): Promise<{ status: number; body: unknown }> {
    const response = await this.fetch(path, { headers: { authorization: `Bearer ${this.token}` } });
    return { status: response.status, body: (await response.json()) as unknown };
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    const url = `${this.baseUrl.replace(/\/$/, '')}${path}`;
    try {
      return await fetch(url, init);
    } catch (error) {
      // fetch says only "fetch failed"; the cause says why (ECONNREFUSED: nothing listens there).
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new Error(
        `Cannot reach TIP at ${this.baseUrl} (${cause}). Is it running (npm start)? Point to it with --url or TIP_URL.`,
        { cause: error },
      );
    }
  }
}
