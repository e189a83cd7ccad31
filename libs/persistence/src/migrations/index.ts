import { Initial1795762671249 } from './1795762671249-initial-schema';
import { PlansInForce1795764692194 } from './1795764692194-plans-in-force';
import { Alerts1795764718714 } from './1795764718714-alerts';
import { Watcher1795764946467 } from './1795764946467-watcher';
import { Escalation1795765739335 } from './1795765739335-escalation';
import { RecordingHotPath1795900000000 } from './1795900000000-recording-hot-path';
import { DoseDrug1796000000000 } from './1796000000000-dose-drug';
import { EscalationRestart1796000000100 } from './1796000000100-escalation-restart';
import { PlanReanchored1796000000200 } from './1796000000200-plan-reanchored';
import { SymptomChecklist1796000000201 } from './1796000000201-symptom-checklist';
import { News2Checks1796000000202 } from './1796000000202-news2-checks';
import { OutpatientAlertTypes1796000000300 } from './1796000000300-outpatient-alert-types';
import { PatientLinks1796000000400 } from './1796000000400-patient-links';
import { Dispensings1796000000500 } from './1796000000500-dispensings';
import { DurableDuties1797000000100 } from './1797000000100-durable-duties';
import { AlertStreamEvents1797000000200 } from './1797000000200-alert-stream-events';
import { SecretsAtRest1797000000300 } from './1797000000300-secrets-at-rest';
import { ApiKeyLifetimes1797000000400 } from './1797000000400-api-key-lifetimes';
import { AuditTrail1797000000500 } from './1797000000500-audit-trail';
import { Actors1797000000600 } from './1797000000600-actors';
import { CdsHooks1797000000700 } from './1797000000700-cds-hooks';
import { DeliveryDrug1797000000800 } from './1797000000800-delivery-drug';
import { LiveAlertsByUnit1797000000900 } from './1797000000900-live-alerts-by-unit';
import { DosePageVersions1797000001200 } from './1797000001200-dose-page-versions';
import { DoseIdsInTimeOrder1797000001300 } from './1797000001300-dose-ids-in-time-order';

/** Every migration, in order. A test fails when the entities drift from these. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const MIGRATIONS: Function[] = [
  Initial1795762671249,
  PlansInForce1795764692194,
  Alerts1795764718714,
  Watcher1795764946467,
  Escalation1795765739335,
  RecordingHotPath1795900000000,
  DoseDrug1796000000000,
  EscalationRestart1796000000100,
  PlanReanchored1796000000200,
  SymptomChecklist1796000000201,
  News2Checks1796000000202,
  OutpatientAlertTypes1796000000300,
  PatientLinks1796000000400,
  Dispensings1796000000500,
  DurableDuties1797000000100,
  AlertStreamEvents1797000000200,
  SecretsAtRest1797000000300,
  ApiKeyLifetimes1797000000400,
  AuditTrail1797000000500,
  Actors1797000000600,
  CdsHooks1797000000700,
  DeliveryDrug1797000000800,
  LiveAlertsByUnit1797000000900,
  DosePageVersions1797000001200,
  DoseIdsInTimeOrder1797000001300,
];
