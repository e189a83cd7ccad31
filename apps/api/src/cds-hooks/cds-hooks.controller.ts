import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Audited, NotAudited } from '@taperwatch/audit';
import { CdsCaller, CdsHooksRoute, CurrentCdsCaller, Public } from '@taperwatch/auth';
import { CdsHooksService } from '@taperwatch/cds-hooks';
import { FeedbackDto, HookRequestDto } from './cds-hooks.dto';

const CARDS_SCHEMA = {
  type: 'object',
  properties: {
    cards: {
      type: 'array',
      description:
        'One card per withdrawal risk (CDS Hooks 2.0 Card: uuid, summary, indicator, detail, source, suggestions, selectionBehavior, overrideReasons, links); empty when nothing is at risk',
      items: { type: 'object', additionalProperties: true },
    },
  },
};

/**
 * CDS Hooks 2.0 for EHRs: discovery (public, as the specification has it: it names services, no
 * patient data), the order-sign and order-select services, and feedback. Every service call
 * carries the EHR's signed JWT, which the global guard verifies.
 */
@ApiTags('cds-hooks')
@Controller('cds-services')
export class CdsHooksController {
  constructor(private readonly hooks: CdsHooksService) {}

  @Get()
  @Public()
  @NotAudited()
  @ApiOperation({ summary: 'CDS Hooks discovery: the services and their prefetch templates' })
  discovery() {
    return this.hooks.discovery();
  }

  @Post(':id')
  @HttpCode(200)
  @CdsHooksRoute()
  @Audited('CdsHook', 'call', { idFrom: 'none' })
  @ApiOperation({
    summary:
      'Call a CDS service (order-sign, order-select): cards for orders that stop or cut a withdrawal-risk drug faster than the catalogue allows',
  })
  @ApiOkResponse({ schema: CARDS_SCHEMA })
  @ApiBadRequestResponse({ description: 'Malformed hook request; each bad field is named' })
  @ApiNotFoundResponse({ description: 'No CDS service with this id' })
  @ApiConflictResponse({ description: 'The same hookInstance is still being answered' })
  call(
    @CurrentCdsCaller() caller: CdsCaller,
    @Param('id') id: string,
    @Body() body: HookRequestDto,
  ) {
    return this.hooks.answer(caller, id, body);
  }

  @Post(':id/feedback')
  @HttpCode(200)
  @CdsHooksRoute()
  @Audited('CdsHookFeedback', 'create', { idFrom: 'none' })
  @ApiOperation({ summary: 'What the prescriber did with cards (accepted or overridden, and why)' })
  @ApiOkResponse({ description: 'Stored' })
  @ApiBadRequestResponse({ description: 'Malformed feedback; each bad field is named' })
  @ApiNotFoundResponse({ description: 'No CDS service with this id' })
  async feedback(
    @CurrentCdsCaller() caller: CdsCaller,
    @Param('id') id: string,
    @Body() body: FeedbackDto,
  ): Promise<Record<string, never>> {
    await this.hooks.feedback(caller, id, body.feedback);
    return {};
  }
}
