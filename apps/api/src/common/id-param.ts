import { Param, ParseUUIDPipe } from '@nestjs/common';
import { ProblemException } from '@taperwatch/http';

/** A UUID path parameter; anything else is a 400 naming the parameter. */
export function IdParam(name = 'id'): ParameterDecorator {
  return Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        ProblemException.validation([{ field: name, message: 'must be a UUID' }]),
    }),
  );
}
