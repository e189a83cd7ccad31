import { Get, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ProblemException } from '@taperwatch/http';

/**
 * Self only, no inline script or style, no forms that navigate: a key or link token never lands
 * in a URL the page builds, and nothing injected into the page can run.
 */
export const STATIC_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface StaticFile {
  type: string;
  body: Buffer;
}

/**
 * A folder of plain HTML, CSS and ES modules served without a key (the ward board, the patient
 * page): every data call the page makes carries its own credential. Read once at start-up, so a
 * missing folder stops the API at once rather than at a ward's tablet or a patient's phone.
 */
export class StaticPages {
  private readonly files = new Map<string, StaticFile>();

  constructor(
    dir: string,
    private readonly what: string,
  ) {
    for (const name of readdirSync(dir)) {
      const type = TYPES[path.extname(name)];
      if (type) this.files.set(name, { type, body: readFileSync(path.join(dir, name)) });
    }
    if (!this.files.has('index.html')) throw new Error(`${what}: index.html is missing in ${dir}`);
  }

  send(reply: FastifyReply, name: string): Buffer {
    const file = this.files.get(name);
    if (!file) throw ProblemException.notFound(`${this.what} file`);
    reply
      .type(file.type)
      .header('content-security-policy', STATIC_PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache');
    return file.body;
  }
}

/** `GET /` (the page) and `GET /:file` (its assets); a subclass names the route and the folder. */
export abstract class StaticPagesController {
  protected abstract readonly pages: StaticPages;

  @Get()
  page(@Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.pages.send(reply, 'index.html');
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.pages.send(reply, file);
  }
}
