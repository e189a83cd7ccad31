import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Who acted, as every approvedBy, recordedBy and acknowledgedBy shows it. */
export class ActorRefDto {
  @ApiProperty({
    enum: ['api_key', 'person', 'system', 'patient'],
    description:
      "api_key: an API key; person or system: signed in with a trusted issuer's token; patient: the patient through their link",
  })
  type!: 'api_key' | 'person' | 'system' | 'patient';

  @ApiProperty({
    description:
      "The key's id, the issuer's subject (sub) for a person or system, or the patient link's id",
  })
  id!: string;

  @ApiPropertyOptional({
    description: "The key's name, or the person's or system's name as the issuer gave it",
  })
  name?: string;
}
