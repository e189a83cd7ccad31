import {
  OPEN_END,
  PlanStep,
  describeUnits,
  isoDateAddDays,
  isoDaysBetween,
  planDrugCodes,
  stepDrugs,
} from '@taperwatch/domain';
import type { ActorRef } from '@taperwatch/auth';
import { PlanEntity } from '@taperwatch/persistence';
import type { DrugLookup } from './plan-fhir';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const W = 720;
const H = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

/**
 * A step line of the daily dose from the first day to the day after the last: the chart of the
 * printed schedule and, served alone as image/svg+xml, of the ward board. Its lines carry the
 * classes `axis`, `dose-line` and `today` (a mark at `today` when the plan covers it), styled by
 * the page that shows it. `equivalentName` (a switch's totals, e.g. "diazepam") labels the line
 * as equivalents: mg of two drugs are plotted only as their equivalent total, never as a dose.
 */
export function renderDoseChart(
  steps: readonly PlanStep[],
  today?: string,
  equivalentName?: string,
): string {
  // The equivalent's label sits inside the plot, top right (a taper's line is low there): the
  // axis margin holds only a number.
  const unit = equivalentName
    ? `\n  <text class="unit" x="${W - PAD.right}" y="${PAD.top + 10}" text-anchor="end">mg/day, ${escape(equivalentName)}-equivalent total</text>`
    : '';
  const first = steps[0].startDate;
  steps = steps.map(shownEnd);
  const last = steps[steps.length - 1].endDate;
  const days = isoDaysBetween(first, last) + 1;
  const maxMg = Math.max(...steps.map((s) => s.dailyDoseMg), 1);
  const x = (date: string) =>
    PAD.left + ((W - PAD.left - PAD.right) * isoDaysBetween(first, date)) / days;
  const y = (mg: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - mg / maxMg);
  const path = steps
    .map((s, i) => {
      const y0 = y(s.dailyDoseMg).toFixed(1);
      const start = `${i === 0 ? 'M' : 'L'}${x(s.startDate).toFixed(1)},${y0}`;
      return `${start} L${x(isoDateAddDays(s.endDate, 1)).toFixed(1)},${y0}`;
    })
    .join(' ');
  const tx = today && today >= first && today <= last ? x(today).toFixed(1) : undefined;
  const mark = tx
    ? `\n  <line class="today" x1="${tx}" y1="${PAD.top}" x2="${tx}" y2="${H - PAD.bottom}"/>` +
      `\n  <text class="today" x="${tx}" y="${PAD.top + 10}" text-anchor="middle">today</text>`
    : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" id="dose-chart" role="img" aria-label="Daily dose over time" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">
  <title>Daily dose${equivalentName ? ` (mg ${escape(equivalentName)}-equivalent)` : ' (mg)'} from ${first} to ${last}</title>
  <line class="axis" x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}"/>
  <line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}"/>
  <text x="${PAD.left - 6}" y="${y(maxMg) + 4}" text-anchor="end">${maxMg} mg</text>${unit}
  <text x="${PAD.left - 6}" y="${y(0) + 4}" text-anchor="end">0</text>
  <text x="${PAD.left}" y="${H - 8}">${first}</text>
  <text x="${W - PAD.right}" y="${H - 8}" text-anchor="end">${last}</text>
  <path class="dose-line" d="${path}"/>${mark}
</svg>`;
}

/** The tablets of each time, one line per drug given then: its name, its own mg, what to take. */
function doseLines(step: PlanStep, nameOf: (code: string) => string): string {
  if (step.doses.length === 0) return '<li>No doses</li>';
  return step.doses
    .map(
      (d) =>
        `<li data-drug="${escape(d.drugCode)}">${escape(d.time)} — ${escape(nameOf(d.drugCode))} ${d.doseMg} mg: ${escape(describeUnits(d.units))}</li>`,
    )
    .join('');
}

/** A step's daily dose: each drug's own mg, and a switch's total only labelled as an equivalent. */
function dailyCell(step: PlanStep, nameOf: (code: string) => string, equivalent?: string): string {
  const drugs = stepDrugs(step);
  if (!equivalent) return `${step.dailyDoseMg} mg`;
  const own = drugs.map((d) => `${escape(nameOf(d.drugCode))} ${d.dailyDoseMg} mg`);
  const total = `<span class="equivalent">(${step.dailyDoseMg} mg ${escape(equivalent)}-equivalent)</span>`;
  return [...(own.length ? own : ['0 mg']), total].join('<br>');
}

/** Days an open-ended step (maintenance) is drawn for: a display window, not a plan length. */
const OPEN_STEP_SHOWN_DAYS = 28;

function shownEnd(step: PlanStep): PlanStep {
  return step.endDate === OPEN_END
    ? { ...step, endDate: isoDateAddDays(step.startDate, OPEN_STEP_SHOWN_DAYS - 1) }
    : step;
}

function dayRows(
  steps: readonly PlanStep[],
  nameOf: (code: string) => string,
  equivalent?: string,
): string {
  const rows: string[] = [];
  for (const step of steps) {
    const doses = doseLines(step, nameOf);
    const daily = dailyCell(step, nameOf, equivalent);
    if (step.endDate === OPEN_END) {
      // Open-ended (maintenance): one row, every day from its start until a revision.
      rows.push(
        `<tr data-date="${step.startDate}"><td>${step.startDate} onwards (until revised)</td><td>${step.index}</td><td>${daily}</td><td><ul>${doses}</ul></td></tr>`,
      );
      continue;
    }
    for (let date = step.startDate; date <= step.endDate; date = isoDateAddDays(date, 1)) {
      rows.push(
        `<tr data-date="${date}"><td>${date}</td><td>${step.index}</td><td>${daily}</td><td><ul>${doses}</ul></td></tr>`,
      );
    }
  }
  return rows.join('\n');
}

/**
 * What the schedule is titled by: the drugs given ("Lorazepam → diazepam switch"), or the one
 * drug's taper schedule.
 */
export function scheduleTitle(plan: PlanEntity, nameOf: (code: string) => string): string {
  const codes = planDrugCodes(plan.steps as PlanStep[]);
  if (codes.length > 1) {
    return `${codes.map((c, i) => (i === 0 ? nameOf(c) : nameOf(c).toLowerCase())).join(' → ')} switch`;
  }
  return `${nameOf(codes[0] ?? plan.drugCode)} taper schedule`;
}

/** Who a printed schedule is for, as the ward knows them. */
export interface SchedulePatient {
  externalId: string;
  unitId: string;
  timezone: string;
}

/**
 * The printable schedule for the patient and the ward: a chart of the daily dose and, per day,
 * what to take at each time, one line per drug. It names the patient by the ward's identifier
 * and unit (only signed-in staff of that unit can fetch it), never by a UUID; equivalent mg
 * appear only labelled as such.
 */
export function renderSchedulePage(
  plan: PlanEntity & { approvedByActor?: ActorRef | null },
  drugOf: DrugLookup,
  patient: SchedulePatient,
): string {
  const timezone = patient.timezone;
  const approver = plan.approvedByActor?.name;
  const steps = plan.steps as PlanStep[];
  const nameOf = (code: string) => drugOf(code)?.name ?? code;
  const title = escape(scheduleTitle(plan, nameOf));
  const equivalent = plan.equivalentDrugCode
    ? nameOf(plan.equivalentDrugCode).toLowerCase()
    : undefined;
  const perDay = equivalent ? ` mg/day (${escape(equivalent)}-equivalent)` : ' mg/day';
  const given = planDrugCodes(steps);
  const inPlaceOf =
    given.length === 1 && given[0] !== plan.drugCode
      ? ` In place of ${escape(nameOf(plan.drugCode).toLowerCase())}.`
      : '';
  const paused =
    plan.status === 'paused' && plan.pausedAt
      ? `<p class="notice">Paused since ${plan.pausedAt.toISOString()}: the current step continues until the plan is resumed, and later dates move by the days paused.</p>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #111; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .patient { font-size: 16px; margin: 0 0 4px; }
  .meta { color: #444; margin: 0 0 12px; }
  .equivalent { color: #444; }
  svg text { font-size: 11px; fill: #333; }
  .axis { stroke: #888; stroke-width: 1; }
  .dose-line { fill: none; stroke: #0b5cad; stroke-width: 2.5; }
  table { border-collapse: collapse; width: 100%; margin-top: 16px; }
  th, td { border: 1px solid #bbb; padding: 4px 6px; vertical-align: top; text-align: left; }
  td ul { margin: 0; padding-left: 16px; }
  .notice { border: 2px solid #b00; padding: 6px; }
  @page { size: A4; margin: 14mm; }
  @media print {
    body { margin: 0; font-size: 11pt; }
    tr { break-inside: avoid; }
    thead { display: table-header-group; }
  }
</style>
</head>
<body>
<h1>${title}</h1>
<p class="patient">Patient <strong>${escape(patient.externalId)}</strong>, unit ${escape(patient.unitId)}</p>
<p class="meta">Plan version ${plan.version}, ${plan.status}. ${plan.startDate} to ${plan.endDate}; ${plan.startDailyDoseMg}${perDay} to ${plan.targetDailyDoseMg}${perDay}.${inPlaceOf} Times are local (${escape(timezone)}).${approver ? ` Approved by ${escape(approver)}.` : ''}</p>
${paused}
${steps.length ? renderDoseChart(steps, undefined, equivalent) : ''}
<table>
<thead><tr><th>Date</th><th>Step</th><th>Daily dose</th><th>What to take</th></tr></thead>
<tbody>
${dayRows(steps, nameOf, equivalent)}
</tbody>
</table>
</body>
</html>
`;
}
