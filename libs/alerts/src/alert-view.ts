import { AlertEntity } from '@taperwatch/persistence';

/** The Alert of API.md. */
export interface AlertView {
  id: string;
  type: AlertEntity['type'];
  severity: AlertEntity['severity'];
  status: AlertEntity['status'];
  patientId: string;
  planId: string;
  unitId: string;
  doseIds: string[];
  level: number;
  message: string;
  createdAt: string;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
}

export function toAlertView(a: AlertEntity): AlertView {
  return {
    id: a.id,
    type: a.type,
    severity: a.severity,
    status: a.status,
    patientId: a.patientId,
    planId: a.planId,
    unitId: a.unitId,
    doseIds: a.doseIds,
    level: a.level,
    message: a.message,
    createdAt: a.createdAt.toISOString(),
    ...(a.acknowledgedAt ? { acknowledgedAt: a.acknowledgedAt.toISOString() } : {}),
    ...(a.acknowledgedBy ? { acknowledgedBy: a.acknowledgedBy } : {}),
    ...(a.resolvedAt ? { resolvedAt: a.resolvedAt.toISOString() } : {}),
  };
}
