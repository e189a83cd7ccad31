import type { DoseUnit } from '../contract';

const WORDS = ['', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

export function countWord(count: number): string {
  if (count === 0.5) return 'half a';
  if (count === 1.5) return 'one and a half';
  return Number.isInteger(count) && count < WORDS.length ? WORDS[count] : String(count);
}

/**
 * What to take for one dose, in words a patient reads aloud: "one 10 mg and one 5 mg tablet",
 * "two 10 mg tablets and half a 5 mg tablet", "2.5 mg (2.5 mL of 1 mg/mL liquid)": a liquid
 * dose names its mg and its volume, so a ward never gives mL as mg.
 */
export function describeUnits(units: readonly DoseUnit[]): string {
  const tablets = units.filter((u) => (u.form ?? 'tablet') === 'tablet' && u.count > 0);
  const liquids = units.filter((u) => u.form === 'liquid' && u.count > 0);
  const parts: string[] = [];
  if (tablets.length > 0) {
    const single = tablets.every((u) => u.count <= 1);
    const items = tablets.map((u) => {
      const noun = single ? '' : u.count > 1 ? ' tablets' : ' tablet';
      return `${countWord(u.count)} ${u.strengthMg} mg${noun}`;
    });
    parts.push(single ? `${items.join(' and ')} tablet` : items.join(' and '));
  }
  for (const u of liquids) {
    const mg = Math.round(u.count * u.strengthMg * 1000) / 1000;
    parts.push(`${mg} mg (${u.count} mL of ${u.strengthMg} mg/mL liquid)`);
  }
  return parts.join(' and ');
}
