/** The hooks taperwatch serves (CDS Hooks 2.0). */
export const CDS_HOOKS = ['order-sign', 'order-select'] as const;
export type CdsHook = (typeof CDS_HOOKS)[number];

/** A CDS Hooks service request as the API has validated it; FHIR resources are read by the service. */
export interface HookRequest {
  hook: CdsHook;
  hookInstance: string;
  context: {
    userId: string;
    patientId: string;
    /** order-select: the draftOrders entries selected (MedicationRequest/{id}). */
    selections?: string[];
    /** A FHIR R4 Bundle of the orders being signed or selected. */
    draftOrders: Record<string, unknown>;
  };
  /** patient: the FHIR Patient; medications: a Bundle of its active MedicationRequests. */
  prefetch?: Record<string, unknown>;
}

/** One card's outcome as the EHR reports it. */
export interface CardFeedback {
  card: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions?: { id: string }[];
  overrideReason?: { reason?: { system?: string; code: string }; userComment?: string };
  outcomeTimestamp: string;
}
