import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsString,
  Length,
  ValidateIf,
} from 'class-validator';
import { ROLES, Role } from '@taperwatch/persistence';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'Ward 7 eMAR' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role!: Role;

  @ApiPropertyOptional({
    type: [String],
    description: 'Required for nurse keys; optional for pharmacist keys (absent: every unit)',
  })
  @ValidateIf((dto: CreateApiKeyDto) => dto.role === 'nurse' || dto.unitIds !== undefined)
  @IsArray()
  @ArrayMinSize(1, { message: 'unitIds must name at least one unit for a nurse key' })
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  unitIds?: string[];
}
