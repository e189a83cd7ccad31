import { ValueTransformer } from 'typeorm';

/** pg returns numeric as a string to keep precision; mg amounts fit a JS number exactly enough. */
export const numericToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
