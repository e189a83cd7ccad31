import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const toNumber = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
const toBoolean = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return value; // left as a string so IsBoolean names it
};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every setting taperwatch reads, with its default. README's settings table mirrors this class;
 * keep them together.
 */
export class Environment {
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL!: string;

  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// URL' })
  REDIS_URL!: string;

  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  BOOTSTRAP_ADMIN_KEY?: string;

  /** Overrides every drug's graceMinutes; fractions allowed so tests and drills run fast. */
  @IsOptional()
  @Transform(toNumber)
  @IsNumber({}, { message: 'must be a number of minutes' })
  @Min(0)
  DOSE_GRACE_MINUTES?: number;

  /** Days of dose rows kept written ahead of now for each plan in force. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(60)
  DOSE_HORIZON_DAYS = 7;

  /** How often the worker extends the dose horizon; tests shorten it. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(100)
  DOSE_HORIZON_INTERVAL_MS = 3_600_000;

  /**
   * CIWA-B and generic symptom scores at or above these propose a hold. No sourced bands exist
   * (CLINICAL.md section 5), so there is no default: unset, such scores are stored unjudged.
   */
  @IsOptional()
  @Transform(toNumber)
  @IsNumber({}, { message: 'must be a number' })
  @Min(0)
  SYMPTOM_THRESHOLD_CIWA_B?: number;

  @IsOptional()
  @Transform(toNumber)
  @IsNumber({}, { message: 'must be a number' })
  @Min(0)
  SYMPTOM_THRESHOLD_GENERIC?: number;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  MIGRATIONS_RUN = true;

  /** BullMQ key prefix; the hash tag keeps every queue on one Redis Cluster slot. */
  @Matches(/^[^:\s]+$/, { message: 'must be non-empty without ":" or spaces' })
  QUEUE_PREFIX = '{taperwatch}';

  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(500)
  WORKER_CONCURRENCY = 10;

  /** How often the watcher's sweep looks for doses no delayed job handled (at most 30 s). */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(200)
  @Max(30000)
  WATCH_SWEEP_MS = 15000;

  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** How long a stopping process waits for in-flight jobs before it closes anyway. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10000;
}

export type AppConfig = Readonly<Environment>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid environment: ${problems.join('; ')}`);
  }
}

/** Reads and validates the environment; throws ConfigError naming every bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new Environment());
  const raw: Record<string, unknown> = {};
  for (const key of [...known, 'DATABASE_URL', 'REDIS_URL']) {
    if (env[key] !== undefined) raw[key] = env[key];
  }
  const config = plainToInstance(Environment, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new ConfigError(
      errors.map((e) => {
        const shown = e.value === undefined ? 'missing' : 'invalid';
        return `${e.property} is ${shown}: ${Object.values(e.constraints ?? {})[0] ?? 'bad value'}`;
      }),
    );
  }
  return Object.freeze(config);
}

/** For process entry points: one clear line on stderr and exit 1 when the environment is bad. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`taperwatch: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}
