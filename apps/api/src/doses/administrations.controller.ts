import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import { Idempotent } from '@taperwatch/http';
import { DoseRecordingService } from '@taperwatch/doses';
import { IdParam } from '../common/id-param';
import { RecordAdministrationDto } from './administration.dto';
import { DoseDto } from './dose-view.dto';
import { Audited } from '@taperwatch/audit';

@ApiTags('doses')
@Controller('v1/doses')
export class AdministrationsController {
  constructor(private readonly recording: DoseRecordingService) {}

  /** given, held, refused or not_given; once per dose (409 after), late after missed is fine. */
  @Post(':id/administrations')
  @Audited('Dose', 'record')
  @HttpCode(201)
  @ApiCreatedResponse({ type: DoseDto, description: 'The dose as recorded, naming its drug' })
  @Idempotent()
  @Requires('clinical:record')
  record(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @Body() dto: RecordAdministrationDto,
  ) {
    return this.recording.record(principal, id, dto);
  }
}
