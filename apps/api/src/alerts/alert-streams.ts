import { Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';

/** The open SSE responses of this process, so shutdown can end them instead of waiting forever. */
@Injectable()
export class AlertStreams {
  private readonly open = new Set<ServerResponse>();

  add(response: ServerResponse): () => void {
    this.open.add(response);
    return () => this.open.delete(response);
  }

  endAll(): void {
    for (const response of this.open) response.end();
    this.open.clear();
  }
}
