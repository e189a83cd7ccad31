import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Public } from '@taperwatch/auth';
import { ProblemException } from '@taperwatch/http';

/**
 * The board's static files: apps/api/board when run from source (tests), dist/apps/api/board
 * when run from the build (`npm run build` copies the folder there).
 */
export const BOARD_DIR = path.join(__dirname, '..', '..', 'board');

/** Self only, no inline script or style, no forms that navigate (the key never lands in a URL). */
export const BOARD_CSP = [
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

export interface BoardFile {
  type: string;
  body: Buffer;
}

/** Read once at start-up: a missing folder stops the API at once rather than at a ward's tablet. */
export function loadBoardFiles(dir: string): Map<string, BoardFile> {
  const files = new Map<string, BoardFile>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[path.extname(name)];
    if (type) files.set(name, { type, body: readFileSync(path.join(dir, name)) });
  }
  if (!files.has('index.html')) throw new Error(`The board's index.html is missing in ${dir}`);
  return files;
}

/**
 * The ward board (plain HTML, CSS and ES modules) at /board. The files are public; every data
 * call the page makes carries the nurse's key.
 */
@Public()
@ApiExcludeController()
@Controller('board')
export class BoardController {
  private readonly files = loadBoardFiles(BOARD_DIR);

  @Get()
  page(@Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.send(reply, 'index.html');
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.send(reply, file);
  }

  private send(reply: FastifyReply, name: string): Buffer {
    const file = this.files.get(name);
    if (!file) throw ProblemException.notFound('Board file');
    reply
      .type(file.type)
      .header('content-security-policy', BOARD_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache');
    return file.body;
  }
}
