// The plan review page's dose chart, plain SVG built here (the CSP allows no inline style or
// script; classes carry every colour, in plan.css). One panel per drug on its own mg axis, since
// 3 mg of lorazepam and 30 mg of diazepam share no scale; a switch adds a panel of the total as
// equivalents, labelled as such. Recorded doses sit on the schedule's line, shaped by outcome.
import { amount } from './dose-text.js';

const SVG = 'http://www.w3.org/2000/svg';
const DAY_MS = 86_400_000;
const WIDTH = 960;
const LEFT = 64;
const RIGHT = 16;
const PANEL = 110;
const TITLE = 30;
const AXIS = 30;
/** A band above the panels for the "Today" label, clear of the panel titles. */
const TOP = 18;

/** How each recorded outcome is drawn and named (the legend and each mark's tooltip). */
export const MARKS = {
  given: 'Given on time',
  late: 'Given late',
  held: 'Held',
  refused: 'Refused',
  not_given: 'Not given',
  missed: 'Missed (not recorded)',
};

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

const dayNumber = (iso) => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
const shortDate = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  timeZone: 'UTC',
});

/** A round axis top at or above `max`: 1, 2, 2.5 or 5 times a power of ten. */
function niceMax(max) {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= max);
  return step * power;
}

/** A mark's shape at (x, y): circle, square, triangle, diamond or cross, by outcome. */
function markShape(kind, x, y) {
  const r = 5;
  switch (kind) {
    case 'held':
      return svg('rect', { x: x - r, y: y - r, width: 2 * r, height: 2 * r });
    case 'refused':
      return svg('path', {
        d: `M${x} ${y - r - 1} L${x + r + 1} ${y + r} L${x - r - 1} ${y + r} Z`,
      });
    case 'not_given':
      return svg('path', {
        d: `M${x} ${y - r - 1} L${x + r + 1} ${y} L${x} ${y + r + 1} L${x - r - 1} ${y} Z`,
      });
    case 'missed':
      return svg('path', {
        d: `M${x - r} ${y - r} L${x + r} ${y + r} M${x + r} ${y - r} L${x - r} ${y + r}`,
      });
    default:
      return svg('circle', { cx: x, cy: y, r });
  }
}

/** A small SVG of one mark or line kind, for the legend beside its words. */
export function legendSwatch(kind) {
  const body =
    kind === 'current' || kind === 'previous'
      ? svg('path', { d: 'M2 8 H30', class: `line ${kind}` })
      : svg('g', { class: `mark ${kind}` }, markShape(kind, 16, 8));
  return svg('svg', { viewBox: '0 0 32 16', width: 32, height: 16, 'aria-hidden': 'true' }, body);
}

/**
 * The chart of `versions` ([{ plan, kind: 'current' | 'previous', label }], the one under review
 * first) with `marks` ([{ drugCode, stepIndex, day, fraction, kind, text }]) on the current plan's
 * line and a "today" rule when `today` (the patient's date) falls inside. `name(code)` names a
 * drug. Returns the <svg>, titled and described for assistive technology.
 */
export function planChart({ versions, marks = [], today, name, description }) {
  const current = versions[0].plan;
  const drugs = [];
  for (const { plan } of versions)
    for (const step of plan.steps)
      for (const d of step.drugs) if (!drugs.includes(d.drugCode)) drugs.push(d.drugCode);
  if (drugs.length === 0) drugs.push(current.drugCode);
  const eq = current.equivalentDrugCode;
  const panels = drugs.map((code) => ({
    title: `${name(code)}: mg per day of ${name(code).toLowerCase()} itself`,
    code,
    value: (step) => step.drugs.find((d) => d.drugCode === code)?.dailyDoseMg ?? 0,
  }));
  if (eq) {
    panels.push({
      title: `All drugs as ${name(eq).toLowerCase()}-equivalent, mg per day (a comparison, never an amount to give)`,
      code: null,
      value: (step) => step.dailyDoseMg,
    });
  }

  const first = Math.min(...versions.map((v) => dayNumber(v.plan.startDate)));
  const last = Math.max(...versions.map((v) => dayNumber(v.plan.endDate) + 1));
  const span = Math.max(1, last - first);
  const x = (day) => LEFT + ((day - first) / span) * (WIDTH - LEFT - RIGHT);
  const height = TOP + panels.length * (PANEL + TITLE) + AXIS;

  const root = svg('svg', {
    xmlns: SVG,
    viewBox: `0 0 ${WIDTH} ${height}`,
    role: 'img',
    'aria-labelledby': 'chart-svg-title chart-svg-desc',
    class: 'plan-chart',
  });
  root.append(
    svg('title', { id: 'chart-svg-title' }, 'Daily dose by day'),
    svg('desc', { id: 'chart-svg-desc' }, description),
  );

  panels.forEach((panel, i) => {
    const top = TOP + i * (PANEL + TITLE) + TITLE;
    const bottom = top + PANEL;
    const max = niceMax(
      Math.max(...versions.flatMap((v) => v.plan.steps.map((s) => panel.value(s)))),
    );
    const y = (mg) => bottom - (mg / max) * (PANEL - 8);
    const g = svg('g', { class: 'panel' });
    g.append(svg('text', { x: LEFT + 8, y: top - 10, class: 'panel-title' }, panel.title));
    for (const tick of [0, max / 2, max]) {
      g.append(
        svg('line', { x1: LEFT, x2: WIDTH - RIGHT, y1: y(tick), y2: y(tick), class: 'grid' }),
        svg(
          'text',
          { x: LEFT - 6, y: y(tick) + 4, class: 'tick', 'text-anchor': 'end' },
          `${amount(tick)} mg`,
        ),
      );
    }
    g.append(svg('line', { x1: LEFT, x2: LEFT, y1: top, y2: bottom, class: 'axis' }));
    // The previous version under the current one, so the current line stays on top.
    for (const { plan, kind } of [...versions].reverse()) {
      let d = '';
      let lastY = null;
      for (const step of plan.steps) {
        const stepY = y(panel.value(step));
        const x0 = x(dayNumber(step.startDate));
        d += lastY === null ? `M${x0} ${stepY}` : `L${x0} ${lastY} L${x0} ${stepY}`;
        d += ` L${x(dayNumber(step.endDate) + 1)} ${stepY} `;
        lastY = stepY;
      }
      g.append(svg('path', { d: d.trim(), class: `line ${kind}` }));
    }
    for (const mark of marks) {
      if (panel.code !== null ? mark.drugCode !== panel.code : drugs.length > 1) continue;
      const step = current.steps.find((s) => s.index === mark.stepIndex);
      if (!step) continue;
      g.append(
        svg(
          'g',
          { class: `mark ${mark.kind}` },
          markShape(mark.kind, x(dayNumber(mark.day) + mark.fraction), y(panel.value(step))),
          svg('title', {}, mark.text),
        ),
      );
    }
    root.append(g);
  });

  const chartBottom = TOP + panels.length * (PANEL + TITLE);
  const every = Math.max(1, Math.ceil(span / 10 / 7) * 7);
  const axis = svg('g', { class: 'x-axis' });
  for (let day = first; day <= last; day += span <= 14 ? 1 : every) {
    const iso = new Date(day * DAY_MS).toISOString().slice(0, 10);
    axis.append(
      svg('line', { x1: x(day), x2: x(day), y1: chartBottom, y2: chartBottom + 5, class: 'axis' }),
      svg(
        'text',
        { x: x(day), y: chartBottom + 20, class: 'tick', 'text-anchor': 'middle' },
        shortDate.format(new Date(`${iso}T00:00:00Z`)),
      ),
    );
  }
  root.append(axis);
  if (today && dayNumber(today) >= first && dayNumber(today) <= last) {
    const tx = x(dayNumber(today) + 0.5);
    root.append(
      svg('line', { x1: tx, x2: tx, y1: TOP - 14, y2: chartBottom, class: 'today' }),
      svg('text', { x: tx + 4, y: TOP - 4, class: 'today' }, 'Today'),
    );
  }
  return root;
}
