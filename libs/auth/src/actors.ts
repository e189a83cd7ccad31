import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Clock } from '@taperwatch/common';
import type { ActorKind } from '@taperwatch/persistence';
import { ActorsRepository } from './actors.repository';

/** A caller vouched for by a trusted issuer, as its verified token names it. */
export interface VerifiedSubject {
  tenantId: string;
  kind: ActorKind;
  issuer: string;
  subject: string;
  name?: string;
}

/** How long a known subject skips the upsert; a changed name is written at once. */
const SEEN_TTL_MS = 5 * 60_000;

/**
 * The row id for a token's subject, created on first sight: what the *_by columns store for a
 * person or a system, as they store a key's id for an API key. A subject seen within the last few
 * minutes under the same name costs no database round trip.
 */
@Injectable()
export class Actors {
  private readonly known = new LRUCache<string, { id: string; name: string | null }>({
    max: 10_000,
    ttl: SEEN_TTL_MS,
  });

  constructor(
    private readonly repository: ActorsRepository,
    private readonly clock: Clock,
  ) {}

  async idOf(who: VerifiedSubject): Promise<string> {
    const cacheKey = `${who.tenantId}\u0000${who.issuer}\u0000${who.subject}`;
    const name = who.name ?? null;
    const cached = this.known.get(cacheKey);
    if (cached && cached.name === name) return cached.id;
    const id = await this.repository.upsert({
      tenantId: who.tenantId,
      kind: who.kind,
      issuer: who.issuer,
      subject: who.subject,
      name,
      seenAt: new Date(this.clock.now()),
    });
    this.known.set(cacheKey, { id, name });
    return id;
  }
}
