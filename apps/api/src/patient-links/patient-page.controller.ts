import { Controller } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import path from 'node:path';
import { Public } from '@taperwatch/auth';
import { StaticPages, StaticPagesController } from '../static-pages/static-pages';

/** apps/api/patient from source, dist/apps/api/patient from the build (npm run build copies it). */
export const PATIENT_PAGE_DIR = path.join(__dirname, '..', '..', 'patient');

/**
 * The patient's phone page at /patient. The files are public; the link token arrives in the URL
 * fragment (never sent to a server, so never in a log) and goes out only as a Bearer header.
 */
@Public()
@ApiExcludeController()
@Controller('patient')
export class PatientPageController extends StaticPagesController {
  protected readonly pages = new StaticPages(PATIENT_PAGE_DIR, 'Page');
}
