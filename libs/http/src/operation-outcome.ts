import { ProblemDetails } from './problem';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const FHIR_CONTENT_TYPE = 'application/fhir+json';

/** The FHIR endpoints: their errors are OperationOutcomes, as FHIR clients expect. */
const FHIR_PATH = /^\/fhir(?:[/?]|$)/;

export function isFhirPath(url: string): boolean {
  return FHIR_PATH.test(url);
}

/** FHIR's issue type for an HTTP status, where an error names no more precise one. */
const ISSUE_TYPES: Record<number, string> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  408: 'timeout',
  409: 'conflict',
  413: 'too-long',
  414: 'too-long',
  415: 'not-supported',
  422: 'processing',
  429: 'throttled',
  431: 'too-long',
  503: 'transient',
};

const issueType = (status: number) =>
  ISSUE_TYPES[status] ?? (status >= 500 ? 'exception' : 'invalid');

/** A field written as a FHIRPath (MedicationAdministration.status), not a query or header name. */
const FHIR_PATH_EXPRESSION = /^[A-Z][A-Za-z]+(?:[.[]|$)/;

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: {
    severity: 'error';
    code: string;
    diagnostics: string;
    expression?: string[];
    details?: { text: string };
  }[];
}

/**
 * Problem details as a FHIR R4 OperationOutcome: one issue per field error (its FHIR issue type
 * if it names one, else the status's), or one issue with the detail. The same facts, so every
 * error is still shaped in one place and only its wire form differs.
 */
export function toOperationOutcome(problem: ProblemDetails): OperationOutcome {
  const fallback = issueType(problem.status);
  const details = { text: problem.title };
  const issue = problem.errors?.length
    ? problem.errors.map((e) => ({
        severity: 'error' as const,
        code: e.code ?? fallback,
        diagnostics: `${e.field}: ${e.message}`,
        ...(FHIR_PATH_EXPRESSION.test(e.field) ? { expression: [e.field] } : {}),
        details,
      }))
    : [{ severity: 'error' as const, code: fallback, diagnostics: problem.detail, details }];
  return { resourceType: 'OperationOutcome', issue };
}

/** An error's body and media type for the path it answers: problem details, or under /fhir an OperationOutcome. */
export function errorAnswer(
  url: string,
  problem: ProblemDetails,
): { contentType: string; body: ProblemDetails | OperationOutcome } {
  return isFhirPath(url)
    ? { contentType: FHIR_CONTENT_TYPE, body: toOperationOutcome(problem) }
    : { contentType: PROBLEM_CONTENT_TYPE, body: problem };
}
