import { randomUUID } from 'node:crypto';
import { OrderRisk, PlannedTaper, Problem } from '@taperwatch/domain';

/** The CDS Hooks spec: "summary … SHOULD be under a 140-character limit". */
export const SUMMARY_MAX = 139;

export const OVERRIDE_SYSTEM = 'urn:taperwatch:cds-hooks:override-reason';

/** Why a prescriber may stop at once anyway; offered on every card, recorded with feedback. */
export const OVERRIDE_REASONS = [
  { code: 'taper-elsewhere', display: 'A taper is already planned outside taperwatch' },
  { code: 'not-taking', display: 'The patient no longer takes this drug' },
  {
    code: 'toxicity',
    display: 'Stopping at once because of toxicity or a serious adverse reaction',
  },
  { code: 'comfort-care', display: 'Comfort care: withdrawal symptoms accepted' },
].map((reason) => ({ system: OVERRIDE_SYSTEM, ...reason }));

/** What became of the taper behind a card. */
export type TaperOutcome =
  /** Requested: planned by the worker; the suggestion carries the plan's first step. */
  | { kind: 'requested'; requestId: string; plan: PlannedTaper; resource: object }
  /** order-select: the plan taperwatch would make; the request waits for order-sign. */
  | { kind: 'preview'; plan: PlannedTaper; resource: object }
  /** The patient has no taperwatch record to plan for. */
  | { kind: 'unknown-patient' }
  /** The planner (or its pre-flight check) cannot plan from what the order says. */
  | { kind: 'not-plannable'; problems: Problem[] }
  /** Taperwatch could not take the request just now (queue down): the risk is still shown. */
  | { kind: 'unavailable' };

function summaryOf(text: string): string {
  return text.length <= SUMMARY_MAX ? text : `${text.slice(0, SUMMARY_MAX - 1)}…`;
}

function suggestionOf(risk: OrderRisk, outcome: TaperOutcome) {
  const base = { uuid: randomUUID(), isRecommended: true };
  switch (outcome.kind) {
    case 'requested':
    case 'preview': {
      const first = outcome.plan.steps[0]!;
      return {
        ...base,
        label: `Taper ${risk.drugName} instead: ${first.dailyDoseMg} mg a day from ${first.startDate}`,
        actions: [
          {
            type: 'create',
            description: `Propose step 1 of ${outcome.plan.steps.length} of the taper taperwatch ${outcome.kind === 'preview' ? 'would plan' : 'planned'}: ${risk.drugName} ${first.dailyDoseMg} mg a day from ${first.startDate} to ${first.endDate}`,
            resource: outcome.resource,
          },
        ],
      };
    }
    case 'unknown-patient':
      return {
        ...base,
        // No identifier here: the answer is stored, and must not keep one.
        label: `Register this patient in taperwatch first, then request a ${risk.drugName} taper there`,
      };
    case 'not-plannable':
      return {
        ...base,
        label: `Request a ${risk.drugName} taper in taperwatch with what the order lacks`,
      };
    case 'unavailable':
      return {
        ...base,
        label: `Request a ${risk.drugName} taper in taperwatch (try again shortly)`,
      };
  }
}

function detailOf(risk: OrderRisk, outcome: TaperOutcome): string {
  const lines = [...risk.reasons.map((r) => `- ${r}`), ''];
  switch (outcome.kind) {
    case 'requested':
      lines.push(
        `taperwatch is planning a ${risk.drugName} taper (${outcome.plan.steps.length} steps, ${outcome.plan.startDate} to ${outcome.plan.endDate}); review it at the link before it starts.`,
      );
      break;
    case 'preview':
      lines.push(
        `If this order is signed, taperwatch will request a ${risk.drugName} taper (${outcome.plan.steps.length} steps, ${outcome.plan.startDate} to ${outcome.plan.endDate}) and link to it.`,
      );
      break;
    case 'unknown-patient':
      lines.push(
        'taperwatch has no record of this patient, so no taper was requested: register the patient in taperwatch, then request the taper there.',
      );
      break;
    case 'not-plannable':
      lines.push(
        'taperwatch could not plan a taper from this order:',
        ...outcome.problems.map((p) => `- ${p.message}`),
      );
      break;
    case 'unavailable':
      lines.push(
        'taperwatch could not take a taper request just now; sign again shortly to get one.',
      );
      break;
  }
  lines.push('', 'Sources:', ...risk.sources.map((s) => `- [${s.title}](${s.url})`));
  return lines.join('\n');
}

/** One CDS Hooks 2.0 card for one withdrawal risk. */
export function riskCard(risk: OrderRisk, outcome: TaperOutcome, requestUrl: string | null) {
  const source = risk.sources[0];
  return {
    uuid: randomUUID(),
    summary: summaryOf(risk.summary),
    indicator: risk.indicator,
    detail: detailOf(risk, outcome),
    source: {
      label: source ? `taperwatch drug catalogue: ${source.title}` : 'taperwatch drug catalogue',
      ...(source ? { url: source.url } : {}),
      topic: { system: 'urn:taperwatch:drug', code: risk.drugCode, display: risk.drugName },
    },
    suggestions: [suggestionOf(risk, outcome)],
    selectionBehavior: 'at-most-one',
    overrideReasons: OVERRIDE_REASONS,
    links:
      requestUrl === null
        ? []
        : [
            {
              label: `Review the ${risk.drugName} taper in taperwatch`,
              url: requestUrl,
              type: 'absolute',
            },
          ],
  };
}

export type RiskCard = ReturnType<typeof riskCard>;
