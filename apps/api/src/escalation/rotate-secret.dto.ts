import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, Max, Min } from 'class-validator';

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({
    description:
      'Minutes the old secret still signs deliveries beside the new one (0: it stops at once, ' +
      'e.g. after a leak); default WEBHOOK_SECRET_ROTATION_OVERLAP_MINUTES',
    minimum: 0,
    maximum: 10080,
    example: 1440,
  })
  @IsOptional()
  @IsNumber({}, { message: 'must be a number of minutes' })
  @Min(0)
  @Max(10080)
  overlapMinutes?: number;
}
