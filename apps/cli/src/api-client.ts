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
    const response = await fetch(`${this.baseUrl.replace(/\/$/, '')}/commands/${name}`, {
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
}
