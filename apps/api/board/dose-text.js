// How the pages write amounts, by ISMP's list of error-prone abbreviations: "mg" and "mL" spelled
// out, never a trailing zero ("1", not "1.0"), always a leading zero ("0.5", not ".5"), no "qd",
// "qod", "tiw", "U", "cc" or "μg"; frequencies in words.

// Thousands are separated ("1,000"), as ISMP asks, so a 1000 is never read as 100.
const number = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

/** 0.5 → "0.5", 2 → "2", 1.25 → "1.25", 1000 → "1,000". */
export const amount = (n) => number.format(n);

/** An amount of a drug in its own mg: "0.5 mg". */
export const mg = (n) => `${amount(n)} mg`;

/** A dose as the nurse gives it: the drug by name and its own mg ("Baclofen 15 mg"). */
export const doseText = (drugName, doseMg) => `${drugName} ${mg(doseMg)}`;

const HALF = { 0.5: 'half', 0.25: 'a quarter of' };

/**
 * What makes one dose, in real strengths: "two 0.5 mg tablets", "half a 1 mg tablet",
 * "2.5 mL of the 5 mg/mL liquid"; several strengths are joined with "and".
 */
export function unitsText(units = []) {
  return units
    .map(({ strengthMg, count, form }) => {
      if (form === 'liquid') return `${amount(count)} mL of the ${amount(strengthMg)} mg/mL liquid`;
      if (HALF[count]) return `${HALF[count]} a ${mg(strengthMg)} tablet`;
      const words = ['', 'one', 'two', 'three', 'four', 'five', 'six'];
      const n = Number.isInteger(count) && count < words.length ? words[count] : amount(count);
      return `${n} ${mg(strengthMg)} tablet${count === 1 ? '' : 's'}`;
    })
    .join(' and ');
}
