/** A tiny client for setting up bench data through taperwatch's own API (loopback only). */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly key: string,
  ) {}

  withKey(key: string): ApiClient {
    return new ApiClient(this.baseUrl, key);
  }

  get authHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.key}` };
  }

  async send<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...this.authHeaders,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Like send, but a status other than `expected` is an error naming the answer. */
  async expect<T>(
    expected: number,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    body?: unknown,
  ): Promise<T> {
    const res = await this.send<T>(method, path, body);
    if (res.status !== expected) {
      throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  async createKey(role: 'prescriber' | 'nurse' | 'service', unitIds?: string[]): Promise<string> {
    const body = await this.expect<{ key: string }>(201, 'POST', '/v1/api-keys', {
      name: `bench ${role}`,
      role,
      ...(unitIds ? { unitIds } : {}),
    });
    return body.key;
  }

  async createPatient(externalId: string, unitId = 'ward-7'): Promise<string> {
    const body = await this.expect<{ id: string }>(201, 'POST', '/v1/patients', {
      externalId,
      unitId,
    });
    return body.id;
  }

  /** Submits a taper request and polls it (bounded) until planned; returns the plan id. */
  async planAndWait(request: Record<string, unknown>, timeoutMs: number): Promise<string> {
    const { id } = await this.expect<{ id: string }>(202, 'POST', '/v1/taper-requests', request);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const view = await this.expect<{ status: string; planId?: string; problems?: unknown }>(
        200,
        'GET',
        `/v1/taper-requests/${id}`,
      );
      if (view.status === 'planned' && view.planId) return view.planId;
      if (view.status === 'rejected' || view.status === 'failed') {
        throw new Error(`taper request ${id} ${view.status}: ${JSON.stringify(view.problems)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`taper request ${id} not planned within ${timeoutMs} ms`);
  }
}
