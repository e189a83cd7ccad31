import {
  DrugView,
  PlanStep,
  describeUnits,
  isoDateAddDays,
  isoDaysBetween,
} from '@taperwatch/domain';
import { PlanEntity } from '@taperwatch/persistence';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const W = 720;
const H = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

/**
 * A step line of the daily dose from the first day to the day after the last: the chart of the
 * printed schedule and, served alone as image/svg+xml, of the ward board. Its lines carry the
 * classes `axis`, `dose-line` and `today` (a mark at `today` when the plan covers it), styled by
 * the page that shows it.
 */
export function renderDoseChart(steps: readonly PlanStep[], today?: string): string {
  const first = steps[0].startDate;
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
  <title>Daily dose (mg) from ${first} to ${last}</title>
  <line class="axis" x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}"/>
  <line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}"/>
  <text x="${PAD.left - 6}" y="${y(maxMg) + 4}" text-anchor="end">${maxMg} mg</text>
  <text x="${PAD.left - 6}" y="${y(0) + 4}" text-anchor="end">0</text>
  <text x="${PAD.left}" y="${H - 8}">${first}</text>
  <text x="${W - PAD.right}" y="${H - 8}" text-anchor="end">${last}</text>
  <path class="dose-line" d="${path}"/>${mark}
</svg>`;
}

function dayRows(steps: readonly PlanStep[]): string {
  const rows: string[] = [];
  for (const step of steps) {
    const doses = step.doses.length
      ? step.doses
          .map((d) => `<li>${escape(d.time)} — ${escape(describeUnits(d.units))}</li>`)
          .join('')
      : '<li>No doses</li>';
    for (let date = step.startDate; date <= step.endDate; date = isoDateAddDays(date, 1)) {
      rows.push(
        `<tr data-date="${date}"><td>${date}</td><td>${step.index}</td><td>${step.dailyDoseMg} mg</td><td><ul>${doses}</ul></td></tr>`,
      );
    }
  }
  return rows.join('\n');
}

/**
 * The printable schedule for the patient and the ward: a chart of the daily dose and, per day,
 * what to take at each time. It names the drug and the plan, never the patient.
 */
export function renderSchedulePage(
  plan: PlanEntity,
  drug: DrugView | undefined,
  timezone: string,
): string {
  const steps = plan.steps as PlanStep[];
  const name = escape(drug?.name ?? plan.drugCode);
  const paused =
    plan.status === 'paused' && plan.pausedAt
      ? `<p class="notice">Paused since ${plan.pausedAt.toISOString()}: the current step continues until the plan is resumed, and later dates move by the days paused.</p>`
      : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${name} taper schedule</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #111; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  .meta { color: #444; margin: 0 0 12px; }
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
<h1>${name} taper schedule</h1>
<p class="meta">Plan ${plan.id}, version ${plan.version}, ${plan.status}. ${plan.startDate} to ${plan.endDate}; ${plan.startDailyDoseMg} mg/day to ${plan.targetDailyDoseMg} mg/day. Times are local (${escape(timezone)}).</p>
${paused}
${steps.length ? renderDoseChart(steps) : ''}
<table>
<thead><tr><th>Date</th><th>Step</th><th>Daily dose</th><th>What to take</th></tr></thead>
<tbody>
${dayRows(steps)}
</tbody>
</table>
</body>
</html>
`;
}
