import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@taperwatch/auth';
import { metricsRegistry } from '@taperwatch/observability';

@ApiExcludeController()
@Controller('metrics')
@Public()
export class MetricsController {
  @Get()
  @Header('content-type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
