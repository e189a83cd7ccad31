import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsNumber, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { DOSE_OUTCOMES, DoseOutcome, MAX_DOSE_MG } from '@taperwatch/persistence';

export class RecordAdministrationDto {
  @ApiProperty({ enum: DOSE_OUTCOMES })
  @IsIn(DOSE_OUTCOMES)
  outcome!: DoseOutcome;

  @ApiPropertyOptional({ description: 'When it was given, with an offset; default now' })
  @IsOptional()
  @IsISO8601({ strict: true })
  administeredAt?: string;

  @ApiPropertyOptional({ description: 'Amount given when it differs from the scheduled dose' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_DOSE_MG)
  doseMg?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  note?: string;
}
