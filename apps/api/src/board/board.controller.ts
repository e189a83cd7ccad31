import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import path from 'node:path';
import { Public } from '@taperwatch/auth';
import { StaticPages } from '../static-pages/static-pages';

/**
 * The board's static files: apps/api/board when run from source (tests), dist/apps/api/board
 * when run from the build (`npm run build` copies the folder there).
 */
export const BOARD_DIR = path.join(__dirname, '..', '..', 'board');

/**
 * The ward board (plain HTML, CSS and ES modules) at /board. The files are public; every data
 * call the page makes carries the nurse's key.
 */
@Public()
@ApiExcludeController()
@Controller('board')
export class BoardController {
  private readonly pages = new StaticPages(BOARD_DIR, 'Board');

  @Get()
  page(@Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.pages.send(reply, 'index.html');
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.pages.send(reply, file);
  }
}
