import { Controller } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import path from 'node:path';
import { Public } from '@taperwatch/auth';
import { StaticPages, StaticPagesController } from '../static-pages/static-pages';

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
export class BoardController extends StaticPagesController {
  protected readonly pages = new StaticPages(BOARD_DIR, 'Board');
}
