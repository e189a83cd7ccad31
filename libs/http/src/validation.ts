import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidatorOptions, validateSync } from 'class-validator';
import { FieldError, ProblemException } from './problem';

/** Flattens class-validator's tree into dotted field paths: goal.targetDailyDoseMg, currentDosesMg.1 */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const messages = Object.values(error.constraints ?? {});
    // One entry per field, all its problems in one message.
    if (messages.length > 0) {
      out.push({
        field,
        message: messages.map((m) => m.replace(/^property \S+ /, 'property ')).join('; '),
      });
    }
    if (error.children?.length) out.push(...fieldErrors(error.children, field));
  }
  return out;
}

/**
 * Every validator of taperwatch's DTOs is synchronous, so validation runs synchronously: the
 * asynchronous default wraps each constraint of each request in promises for nothing.
 */
class SyncValidationPipe extends ValidationPipe {
  protected override validate(object: object, options?: ValidatorOptions): ValidationError[] {
    return validateSync(object, options);
  }
}

/** Strict input: unknown fields are errors, types are not coerced, every bad field is named. */
export function createValidationPipe(): ValidationPipe {
  return new SyncValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => ProblemException.validation(fieldErrors(errors)),
  });
}
