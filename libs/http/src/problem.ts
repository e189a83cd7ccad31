import { HttpException, HttpStatus } from '@nestjs/common';

export interface FieldError {
  field: string;
  message: string;
  /** The FHIR issue type (required, value, invalid…) when answered as an OperationOutcome. */
  code?: string;
}

/** RFC 9457 problem details, as every error response of docs/api.md. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TITLES: Record<number, [slug: string, title: string]> = {
  400: ['validation-error', 'Your request is not valid'],
  401: ['unauthenticated', 'Missing or invalid credentials'],
  403: ['forbidden', 'Not allowed'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  408: ['request-timeout', 'Request not received in time'],
  409: ['conflict', 'Conflict with the current state'],
  413: ['payload-too-large', 'Request body too large'],
  414: ['uri-too-long', 'Request path too long'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['unprocessable', 'Clinically unsafe or unsupported request'],
  429: ['rate-limited', 'Too many requests'],
  431: ['headers-too-large', 'Request headers too large'],
  500: ['internal', 'Internal error'],
  503: ['unavailable', 'A dependency is unavailable'],
};

export function problemType(slug: string): string {
  return `urn:taperwatch:problem:${slug}`;
}

export function defaultProblem(status: number, detail?: string): ProblemDetails {
  const [slug, title] = TITLES[status] ?? [
    status >= 500 ? 'internal' : 'client-error',
    HttpStatus[status]?.toString().replace(/_/g, ' ').toLowerCase() ?? 'Error',
  ];
  return { type: problemType(slug), title, status, detail: detail ?? title };
}

/** Throw this for any error the caller should see as problem details. */
export class ProblemException extends HttpException {
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem, problem.status);
  }

  static of(status: number, detail: string, errors?: FieldError[]): ProblemException {
    const problem = defaultProblem(status, detail);
    return new ProblemException(errors ? { ...problem, errors } : problem);
  }

  static validation(errors: FieldError[]): ProblemException {
    const fields = [...new Set(errors.map((e) => e.field))].join(', ');
    return ProblemException.of(400, `Invalid fields: ${fields}`, errors);
  }

  static notFound(what: string): ProblemException {
    return ProblemException.of(404, `${what} not found`);
  }

  static conflict(detail: string): ProblemException {
    return ProblemException.of(409, detail);
  }

  static unprocessable(detail: string, errors: FieldError[]): ProblemException {
    return ProblemException.of(422, detail, errors);
  }
}

/** Carries a stored response (an idempotent replay) through the filter unchanged. */
export class StoredResponseException extends HttpException {
  constructor(
    readonly storedStatus: number,
    readonly storedBody: unknown,
    readonly storedHeaders: Record<string, string>,
  ) {
    super('replay', storedStatus);
  }
}
