import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '@taperwatch/auth';
import { StaticPages } from '../static-pages/static-pages';
import { IdParam } from '../common/id-param';
import { BOARD_DIR } from './board.controller';

/**
 * The plan review page at /board/plans/:id: the board's static plan.html for any plan id (its
 * script reads the id from the path and everything else from the API with the signed-in key).
 * The files are public; the page shows nothing until the API accepts the key.
 */
@Public()
@ApiExcludeController()
@Controller('board/plans')
export class PlanReviewController {
  private readonly pages = new StaticPages(BOARD_DIR, 'Plan review page');

  @Get(':id')
  page(@IdParam() _id: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    return this.pages.send(reply, 'plan.html');
  }
}
