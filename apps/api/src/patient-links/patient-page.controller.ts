import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import path from 'node:path';
import { Public } from '@taperwatch/auth';
import { ProblemException } from '@taperwatch/http';
import { BOARD_CSP, loadBoardFiles } from '../board/board.controller';

/** apps/api/patient from source, dist/apps/api/patient from the build (npm run build copies it). */
export const PATIENT_PAGE_DIR = path.join(__dirname, '..', '..', 'patient');

/** The board's policy: self only, no inline script or style, no forms that navigate. */
export const PATIENT_PAGE_CSP = BOARD_CSP;

/**
 * The patient's phone page at /patient. The files are public; the link token arrives in the URL
 * fragment (never sent to a server, so never in a log) and goes out only as a Bearer header.
 */
@Public()
@ApiExcludeController()
@Controller('patient')
export class PatientPageController {
  private readonly files = loadBoardFiles(PATIENT_PAGE_DIR);

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
    if (!file) throw ProblemException.notFound('Page file');
    reply
      .type(file.type)
      .header('content-security-policy', PATIENT_PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache');
    return file.body;
  }
}
