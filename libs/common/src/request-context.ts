import { AsyncLocalStorage } from 'node:async_hooks';

/** Carries the request id from HTTP into logs and job data, and from job data into worker logs. */
export interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}
