import { Inject, Injectable } from '@nestjs/common';
import { Actors, CdsCaller, Principal } from '@taperwatch/auth';
import { Clock } from '@taperwatch/common';
import { APP_CONFIG, AppConfig } from '@taperwatch/config';
import {
  OrderRisk,
  TaperRequestInput,
  assessOrderChange,
  findDrug,
  planTaper,
  zonedDate,
} from '@taperwatch/domain';
import { FieldError, ProblemException } from '@taperwatch/http';
import { TaperRequestsService, patientFacts, proposedStepRequest } from '@taperwatch/plans';
import { numberOrNull } from '@taperwatch/persistence';
import { RiskCard, TaperOutcome, riskCard } from './cds-cards';
import { CdsHooksRepository, HookInstanceRef, MatchedPatient } from './cds-hooks.repository';
import { CardFeedback, CdsHook, HookRequest } from './hook-request';
import { OrderFinding, findOrderRisks, medicationOrders } from './medication-orders';

/** The services discovery lists: one per hook, each with its prefetch templates. */
export const CDS_SERVICES: readonly {
  id: string;
  hook: CdsHook;
  title: string;
  description: string;
}[] = [
  {
    id: 'taperwatch-order-sign',
    hook: 'order-sign',
    title: 'taperwatch withdrawal-risk check',
    description:
      'Warns when signed orders stop or cut a withdrawal-risk drug faster than its sourced taper allows, and requests the taper in taperwatch.',
  },
  {
    id: 'taperwatch-order-select',
    hook: 'order-select',
    title: 'taperwatch withdrawal-risk check (selection)',
    description:
      'The same check on the orders selected before signing: the card previews the taper, which taperwatch requests when the order is signed.',
  },
];

const PREFETCH = {
  patient: 'Patient/{{context.patientId}}',
  medications: 'MedicationRequest?patient={{context.patientId}}&status=active',
};

export const TAPER_REQUEST_IDENTIFIER_SYSTEM = 'urn:taperwatch:taper-request';

const ACTIVE = new Set(['active', 'on-hold']);

/** An order's administrations without times: spread over the waking day, 08:00 to 20:00. */
function defaultTimes(count: number): string[] {
  const span = 12 * 60;
  return Array.from({ length: count }, (_, i) => {
    const minutes = 8 * 60 + (count === 1 ? 0 : Math.round((span * i) / (count - 1)));
    return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  });
}

/** The hookInstance as the caller's EHR names it: instances are unique per issuer. */
function instanceOf(caller: CdsCaller, hookInstance: string): HookInstanceRef {
  return { issuer: caller.client.issuer, hookInstance };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The CDS Hooks service: finds the withdrawal risks in the orders an EHR is signing, requests
 * the taper in taperwatch (the planner worker plans it; the answer does not wait), and answers
 * one card per risk. Idempotent per EHR and hookInstance: a repeat gets the same cards.
 */
@Injectable()
export class CdsHooksService {
  constructor(
    private readonly repository: CdsHooksRepository,
    private readonly requests: TaperRequestsService,
    private readonly actors: Actors,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  discovery() {
    return {
      services: CDS_SERVICES.map((s) => ({
        hook: s.hook,
        title: s.title,
        description: s.description,
        id: s.id,
        prefetch: PREFETCH,
      })),
    };
  }

  serviceOf(id: string) {
    const service = CDS_SERVICES.find((s) => s.id === id);
    if (!service) throw ProblemException.notFound('CDS service');
    return service;
  }

  async answer(caller: CdsCaller, serviceId: string, body: HookRequest) {
    const service = this.serviceOf(serviceId);
    if (body.hook !== service.hook) {
      throw ProblemException.validation([
        { field: 'hook', message: `must be ${service.hook} for service ${service.id}` },
      ]);
    }
    const risks = this.risksOf(body);
    if (risks.length === 0) return { cards: [] };

    const instance = instanceOf(caller, body.hookInstance);
    const claimed = await this.repository.claim(
      instance,
      caller.client.tenantId,
      service.id,
      this.clock.now(),
    );
    if (!claimed) return { cards: await this.earlierAnswer(instance) };
    try {
      return { cards: await this.cardsFor(caller, body, risks) };
    } catch (error) {
      await this.release(instance);
      throw error;
    }
  }

  /** The risks in the draft orders (order-select: the selected ones) against the active ones. */
  private risksOf(body: HookRequest): { finding: OrderFinding; risk: OrderRisk }[] {
    const errors: FieldError[] = [];
    let drafts = medicationOrders(body.context.draftOrders, 'context.draftOrders', errors);
    const prefetched = body.prefetch?.['medications'];
    const active =
      prefetched === undefined || prefetched === null
        ? []
        : medicationOrders(prefetched, 'prefetch.medications', errors).filter((o) =>
            ACTIVE.has(o.status),
          );
    if (errors.length > 0) throw ProblemException.validation(errors);
    if (body.hook === 'order-select') {
      const selected = new Set(body.context.selections ?? []);
      drafts = drafts.filter((d) => d.ref !== null && selected.has(d.ref));
    }
    return findOrderRisks(drafts, active).flatMap((finding) => {
      const risk = assessOrderChange(finding.drugCode, finding.change);
      return risk ? [{ finding, risk }] : [];
    });
  }

  private async cardsFor(
    caller: CdsCaller,
    body: HookRequest,
    risks: { finding: OrderFinding; risk: OrderRisk }[],
  ): Promise<RiskCard[]> {
    const identifier = this.patientIdentifier(caller, body);
    const patient = identifier === null ? undefined : await this.patientBy(caller, identifier);
    const prescriber = patient ? await this.prescriber(caller, body.context.userId) : undefined;
    const cards: RiskCard[] = [];
    const requestIds: string[] = [];
    let complete = true;
    for (const { finding, risk } of risks) {
      const outcome: TaperOutcome =
        patient && prescriber
          ? await this.requestTaper(prescriber, patient, finding, risk, body)
          : { kind: 'unknown-patient' };
      if (outcome.kind === 'requested') requestIds.push(outcome.requestId);
      if (outcome.kind === 'unavailable') complete = false;
      const url =
        outcome.kind === 'requested'
          ? `${this.config.PUBLIC_BASE_URL}/board/taper-requests/${outcome.requestId}`
          : null;
      cards.push(riskCard(risk, outcome, url));
    }
    const instance = instanceOf(caller, body.hookInstance);
    if (complete) {
      await this.repository.keepAnswer(instance, cards, requestIds);
    } else {
      // Not remembered: the EHR's retry of this hookInstance may then get the taper requested.
      await this.release(instance);
    }
    return cards;
  }

  private async earlierAnswer(instance: HookInstanceRef): Promise<unknown[]> {
    const cards = await this.repository.keptAnswer(instance);
    if (!cards) {
      throw ProblemException.conflict(
        'This hookInstance is still being answered by an earlier call; send it again in a moment',
      );
    }
    return cards;
  }

  private release(instance: HookInstanceRef): Promise<unknown> {
    return this.repository.release(instance).catch(() => undefined);
  }

  /**
   * The identifier that is a taperwatch externalId: the prefetched Patient's identifier of the
   * configured system, or with no system configured the EHR's patient id itself.
   */
  private patientIdentifier(caller: CdsCaller, body: HookRequest): string | null {
    const system = caller.client.patientIdentifierSystem;
    if (!system) return body.context.patientId;
    const patient = body.prefetch?.['patient'];
    const identifiers =
      isObject(patient) && Array.isArray(patient['identifier']) ? patient['identifier'] : [];
    for (const id of identifiers) {
      if (
        isObject(id) &&
        id['system'] === system &&
        typeof id['value'] === 'string' &&
        id['value']
      ) {
        return id['value'];
      }
    }
    return null;
  }

  private patientBy(caller: CdsCaller, externalId: string): Promise<MatchedPatient | undefined> {
    return this.repository.patientByExternalId(caller.client.tenantId, externalId);
  }

  /** The prescriber the EHR names, vouched for by the EHR's issuer: the request's creator. */
  private async prescriber(caller: CdsCaller, userId: string): Promise<Principal> {
    const tenantId = caller.client.tenantId;
    const id = await this.actors.idOf({
      tenantId,
      kind: 'person',
      issuer: caller.client.issuer,
      subject: userId,
    });
    return new Principal(id, tenantId, 'prescriber', [], { type: 'person', id: userId });
  }

  private async requestTaper(
    prescriber: Principal,
    patient: MatchedPatient,
    finding: OrderFinding,
    risk: OrderRisk,
    body: HookRequest,
  ): Promise<TaperOutcome> {
    const from = finding.fromDosesMg;
    if (!from || from.length === 0 || from.every((d) => d === 0)) {
      return {
        kind: 'not-plannable',
        problems: [
          {
            code: 'no_dose',
            message: `The order states no ${risk.drugName} dose in mg with a daily frequency; request the taper in taperwatch with the current doses.`,
          },
        ],
      };
    }
    const input: TaperRequestInput = {
      drugCode: finding.drugCode,
      route: 'oral',
      currentDosesMg: from,
      administrationTimes: finding.fromTimes ?? defaultTimes(from.length),
      startDate: zonedDate(this.clock.now(), patient.timezone),
      goal:
        finding.targetDailyMg && finding.targetDailyMg > 0
          ? { type: 'reduce', targetDailyDoseMg: finding.targetDailyMg }
          : { type: 'discontinue' },
      reason: `EHR ${body.hook}: ${risk.summary}`,
    };
    const facts = patientFacts(
      { birthDate: patient.birthDate, creatinineClearanceMlMin: numberOrNull(patient.clearance) },
      input.startDate,
    );
    const planned = planTaper(input, facts);
    if (planned.kind === 'rejected') return { kind: 'not-plannable', problems: planned.problems };
    const proposal = (identifier?: { system: string; value: string }) =>
      proposedStepRequest({
        step: planned.plan.steps[0]!,
        stepCount: planned.plan.steps.length,
        drugCode: finding.drugCode,
        drugOf: findDrug,
        subject: { reference: `Patient/${body.context.patientId}` },
        ...(identifier ? { identifier } : {}),
        authoredOn: this.clock.now(),
      });
    // Selecting is not signing (the order may yet be changed): the request waits for order-sign,
    // so selecting and then signing the same order never makes two.
    if (body.hook === 'order-select') {
      return { kind: 'preview', plan: planned.plan, resource: proposal() };
    }
    let requestId: string;
    try {
      const view = await this.requests.submit(prescriber, { ...input, patientId: patient.id });
      requestId = view.id;
    } catch (error) {
      if (error instanceof ProblemException && error.getStatus() === 422) {
        const problems = error.problem.errors ?? [];
        return {
          kind: 'not-plannable',
          problems: problems.map((p) => ({ code: 'invalid', message: p.message })),
        };
      }
      if (error instanceof ProblemException && error.getStatus() === 503) {
        return { kind: 'unavailable' };
      }
      throw error;
    }
    return {
      kind: 'requested',
      requestId,
      plan: planned.plan,
      resource: proposal({ system: TAPER_REQUEST_IDENTIFIER_SYSTEM, value: requestId }),
    };
  }

  /** Stores each card's outcome as the EHR reported it, attributed to the EHR. */
  async feedback(caller: CdsCaller, serviceId: string, items: CardFeedback[]): Promise<void> {
    const service = this.serviceOf(serviceId);
    if (items.length === 0) return;
    const now = this.clock.now();
    await this.repository.insertFeedback(
      items.map((item) => ({
        tenantId: caller.principal.tenantId,
        issuer: caller.client.issuer,
        serviceId: service.id,
        cardUuid: item.card,
        outcome: item.outcome,
        acceptedSuggestions: item.acceptedSuggestions
          ? JSON.stringify(item.acceptedSuggestions.map((s) => s.id))
          : null,
        overrideReason: item.overrideReason ? JSON.stringify(item.overrideReason) : null,
        outcomeAt: new Date(item.outcomeTimestamp),
        recordedBy: caller.principal.keyId,
        receivedAt: now,
      })),
    );
  }
}
