import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '@taperwatch/auth';
import { NotAudited } from '@taperwatch/audit';
import { IdParam } from '../common/id-param';
import { StaticPages } from '../static-pages/static-pages';
import { BOARD_DIR } from './board.controller';

/**
 * /board/taper-requests/{id}: where a CDS Hooks card links. The page is public like the board's
 * files; it reads the request with the signed-in key and moves on to the plan once planned.
 */
@Public()
@ApiExcludeController()
@Controller('board/taper-requests')
export class BoardTaperRequestController {
  private readonly pages = new StaticPages(BOARD_DIR, 'Board');

  @Get(':id')
  @NotAudited()
  page(@IdParam() _id: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.pages.send(reply, 'request.html');
  }
}
