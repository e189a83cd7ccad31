import fc from 'fast-check';
import type { TaperRequestInput } from '../contract';
import { DRUGS } from '../catalogue/drugs';
import { bindingCap, capUg, resolveLimits } from './pace';

describe('capUg', () => {
  it('is the binding cap of capsAt for every drug, dose and step length (one rule set, two uses)', () => {
    const codes = [...DRUGS.keys()];
    fc.assert(
      fc.property(
        fc.constantFrom(...codes),
        fc.integer({ min: 1, max: 400_000 }),
        fc.integer({ min: 1, max: 400_000 }),
        fc.integer({ min: 1, max: 60 }),
        fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
        (code, startUg, prevUg, stepDays, asked, weeks) => {
          const input = {
            drugCode: code,
            maxStepReductionPercent: asked,
            durationOfUseWeeks: weeks,
          } as TaperRequestInput;
          const limits = resolveLimits(DRUGS.get(code)!, input, stepDays, startUg, 1000);
          for (const days of [stepDays, stepDays + 7]) {
            expect(capUg(limits, prevUg, days)).toBe(
              bindingCap(limits, prevUg, days)?.ug ?? Infinity,
            );
          }
        },
      ),
    );
  });
});
