import type { ActorRef } from '@taperwatch/auth';
import { Page } from '@taperwatch/http';
import type { AuditEventView } from './audit-events.service';

const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
export const API_KEY_SYSTEM = 'urn:taperwatch:api-key';
export const PATIENT_LINK_SYSTEM = 'urn:taperwatch:patient-link';
export const PERSON_SYSTEM = 'urn:taperwatch:actor';

/** Our actions as FHIR's C/R/U/D/E and the REST interaction they are (none for a named act). */
const ACTIONS: Record<string, { code: 'C' | 'R' | 'U' | 'D'; interaction: string }> = {
  create: { code: 'C', interaction: 'create' },
  read: { code: 'R', interaction: 'read' },
  search: { code: 'R', interaction: 'search-type' },
  update: { code: 'U', interaction: 'update' },
  delete: { code: 'D', interaction: 'delete' },
  erase: { code: 'D', interaction: 'delete' },
};

/** FHIR's outcome: 0 success, 4 minor failure (refused, invalid), 8 serious failure (ours). */
function outcomeOf(status: number): '0' | '4' | '8' {
  if (status < 400) return '0';
  return status < 500 ? '4' : '8';
}

/** Who acted, as a FHIR reference by identifier (a key, a patient link, or an issuer's subject). */
export function fhirActor(by: ActorRef): {
  identifier: { system: string; value: string };
  display: string;
} {
  const system =
    by.type === 'api_key'
      ? API_KEY_SYSTEM
      : by.type === 'patient'
        ? PATIENT_LINK_SYSTEM
        : `${PERSON_SYSTEM}:${by.type}`;
  const fallback = by.type === 'patient' ? 'The patient, through their link' : 'API key';
  return { identifier: { system, value: by.id }, display: by.name ?? fallback };
}

function agentOf(event: AuditEventView) {
  const { apiKeyId, patientLinkId, person, by } = event.actor;
  const who =
    by && (by.type === 'person' || by.type === 'system')
      ? {
          identifier: { system: `${PERSON_SYSTEM}:${by.type}`, value: by.id },
          display: by.name ?? by.type,
        }
      : apiKeyId
        ? {
            identifier: { system: API_KEY_SYSTEM, value: apiKeyId },
            display: by?.name ?? 'API key',
          }
        : patientLinkId
          ? {
              identifier: { system: PATIENT_LINK_SYSTEM, value: patientLinkId },
              display: 'Patient link',
            }
          : { display: 'Unauthenticated caller' };
  return {
    who,
    ...(person ? { altId: person } : {}),
    requestor: true,
    ...(event.clientIp ? { network: { address: event.clientIp, type: '2' } } : {}),
  };
}

/** One audit row as a FHIR R4 AuditEvent (ids only: no patient identifiers to carry). */
export function toFhirAuditEvent(event: AuditEventView) {
  const action = ACTIONS[event.action];
  return {
    resourceType: 'AuditEvent',
    id: event.seq,
    type: { system: AUDIT_EVENT_TYPE, code: 'rest', display: 'RESTful Operation' },
    ...(action ? { subtype: [{ system: RESTFUL_INTERACTION, code: action.interaction }] } : {}),
    action: action?.code ?? 'E',
    recorded: event.occurredAt,
    outcome: outcomeOf(event.outcome),
    outcomeDesc: `HTTP ${event.outcome}: ${event.action} (${event.method} ${event.route})`,
    agent: [agentOf(event)],
    source: {
      observer: { display: 'taperwatch' },
      type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    entity: [
      {
        ...(event.resource.id
          ? {
              what: {
                identifier: {
                  system: `urn:taperwatch:${event.resource.type.toLowerCase()}`,
                  value: event.resource.id,
                },
              },
            }
          : {}),
        type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
        name: event.resource.type,
      },
    ],
  };
}

/** A page of the trail as a FHIR searchset Bundle; `next` carries the page's cursor. */
export function toFhirBundle(page: Page<AuditEventView>, nextUrl: string | null) {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(nextUrl ? { link: [{ relation: 'next', url: nextUrl }] } : {}),
    entry: page.items.map((event) => ({
      resource: toFhirAuditEvent(event),
      search: { mode: 'match' },
    })),
  };
}
