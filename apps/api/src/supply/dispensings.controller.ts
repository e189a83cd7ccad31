import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { CurrentPrincipal, Principal, Requires } from '@taperwatch/auth';
import {
  DEFAULT_PAGE_SIZE,
  Idempotent,
  ProblemException,
  createValidationPipe,
} from '@taperwatch/http';
import { DispensingBody, DispensingsService, fromMedicationDispense } from '@taperwatch/supply';
import { IdParam } from '../common/id-param';
import {
  DispensingDto,
  DispensingListQueryDto,
  DispensingPageDto,
  DispensingViewDto,
  MedicationDispenseDto,
} from './supply.dto';
import { Audited } from '@taperwatch/audit';

const validation = createValidationPipe();

/** What a pharmacy handed a patient: the supply the watch counts against the plan in force. */
@ApiTags('dispensings')
@ApiExtraModels(DispensingDto, MedicationDispenseDto)
@Controller('v1/patients/:id/dispensings')
export class DispensingsController {
  constructor(private readonly dispensings: DispensingsService) {}

  @Post()
  @Audited('Patient', 'record-dispensing')
  @HttpCode(201)
  @ApiBody({
    description: 'A dispensing, or a FHIR R4 MedicationDispense',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(DispensingDto) },
        { $ref: getSchemaPath(MedicationDispenseDto) },
      ],
    },
  })
  @ApiCreatedResponse({ type: DispensingViewDto })
  @ApiUnprocessableEntityResponse({
    description:
      'Unknown drug, a product the catalogue or the plan in force does not have (errors name the field)',
  })
  @Idempotent()
  @Requires('dispensings:write')
  async record(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @Body() body: unknown,
  ) {
    return this.dispensings.record(principal, id, await parse(body));
  }

  @Get()
  @Audited('Patient', 'read-dispensings')
  @ApiOkResponse({ type: DispensingPageDto })
  @Requires('supply:read')
  list(
    @CurrentPrincipal() principal: Principal,
    @IdParam() id: string,
    @Query() query: DispensingListQueryDto,
  ) {
    return this.dispensings.list(principal, id, {
      limit: query.limit ?? DEFAULT_PAGE_SIZE,
      cursor: query.cursor,
    });
  }
}

/** Either body: a MedicationDispense by its resourceType, else the plain dispensing. */
async function parse(body: unknown): Promise<DispensingBody> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw ProblemException.validation([{ field: 'body', message: 'must be a JSON object' }]);
  }
  const record = body as Record<string, unknown>;
  if ('resourceType' in record) {
    if (record.resourceType !== 'MedicationDispense') {
      throw ProblemException.validation([
        {
          field: 'resourceType',
          message: "must be 'MedicationDispense' (or send a dispensing without it)",
        },
      ]);
    }
    return fromMedicationDispense(record);
  }
  const dto = (await validation.transform(record, {
    type: 'body',
    metatype: DispensingDto,
  })) as DispensingDto;
  return { ...dto };
}
