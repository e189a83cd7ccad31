import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { LookupAddress, LookupAllOptions, lookup as dnsLookup } from 'node:dns';
import { Agent, request } from 'undici';
import { refusedAddress, webhookAddressProblem } from '@taperwatch/alerts';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';

/** A target the safety rules refuse: never retried, since another try would be refused too. */
export class RefusedTargetError extends Error {}

export type SendResult =
  | { outcome: 'delivered'; status: number }
  | { outcome: 'failed'; status?: number; error: string }
  | { outcome: 'refused'; error: string };

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

function refusal(error: unknown): RefusedTargetError | null {
  for (let e = error; e instanceof Error; e = e.cause) {
    if (e instanceof RefusedTargetError) return e;
  }
  return null;
}

/**
 * POSTs webhooks through one undici Agent whose DNS lookup refuses any private, loopback,
 * link-local or metadata answer, so the address judged is the address connected to (no DNS
 * rebinding between a check and the connect). Literal IPs never reach a lookup and are judged
 * before the request. Redirects are not followed (undici's request never does): a 3xx fails.
 */
@Injectable()
export class WebhookSender implements OnModuleDestroy {
  private readonly agent: Agent;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const timeout = config.WEBHOOK_TIMEOUT_MS;
    this.agent = new Agent({
      connect: { timeout, lookup: this.guardedLookup },
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  }

  private readonly guardedLookup = (
    hostname: string,
    options: object,
    callback: LookupCallback,
  ): void => {
    const all: LookupAllOptions = { ...(options as LookupAllOptions), all: true };
    dnsLookup(hostname, all, (error, addresses) => {
      if (error) return callback(error, []);
      for (const { address } of addresses) {
        const problem = refusedAddress(address, this.config.WEBHOOK_ALLOW_PRIVATE);
        if (problem) return callback(new RefusedTargetError(`${hostname}: ${problem}`), []);
      }
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };

  async send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const early = webhookAddressProblem(url, this.config.WEBHOOK_ALLOW_PRIVATE);
    if (early) return { outcome: 'refused', error: early };
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      // Nothing in the answer matters but its status; read none of it into memory.
      await response.body.dump();
      const status = response.statusCode;
      if (status >= 200 && status < 300) return { outcome: 'delivered', status };
      return { outcome: 'failed', status, error: `HTTP ${status}` };
    } catch (error) {
      const refused = refusal(error);
      if (refused) return { outcome: 'refused', error: refused.message };
      const e = error as Error & { code?: string };
      return { outcome: 'failed', error: `${e.code ?? e.name}: ${e.message}`.slice(0, 500) };
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.close();
  }
}
