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
  ValidateIf,
  validateSync,
} from 'class-validator';
import {
  IsEscalationPolicyJson,
  WEBHOOK_SECRET_PATTERN,
  defaultPolicyHasWebhook,
} from './escalation-settings';
import { IsEncryptionKey } from './encryption-key';
import { IsTrustProxy } from './trust-proxy';
import { IsOidcAlgorithms, IsOidcIssuersJson } from './oidc-settings';
import { IsCdsHooksClientsJson, IsPublicBaseUrl } from './cds-hooks-settings';
import { HasHashTagOnCluster, IsRedisClusterNodes } from './redis-settings';

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

  /** One Redis; required unless REDIS_CLUSTER_NODES names a cluster instead. */
  @ValidateIf(
    (env: Environment) => env.REDIS_CLUSTER_NODES === undefined || env.REDIS_URL !== undefined,
  )
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// URL' })
  REDIS_URL?: string;

  /**
   * A Redis Cluster's seed nodes (`host:port,host:port`, or redis:// / rediss:// URLs): every
   * connection then goes to the cluster. Set this or REDIS_URL, never both
   * (docs/decisions/0041-redis-cluster.md).
   */
  @IsOptional()
  @IsRedisClusterNodes()
  REDIS_CLUSTER_NODES?: string;

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
   * (docs/clinical.md#symptom-scales), so there is no default: unset, such scores are stored
   * unjudged.
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
  @HasHashTagOnCluster()
  QUEUE_PREFIX = '{taperwatch}';

  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(500)
  WORKER_CONCURRENCY = 50;

  /**
   * k of the abrupt-cessation hours rule: the longest gap between a drug's administration times
   * + k half-lives without a taken dose (a [C] value, 4 by default; fractions allowed).
   */
  @Transform(toNumber)
  @IsNumber({}, { message: 'must be a number of half-lives' })
  @Min(1)
  @Max(10)
  CESSATION_HALF_LIVES = 4;

  /** How often the watcher's sweep looks for doses no delayed job handled (at most 30 s). */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(200)
  @Max(30000)
  WATCH_SWEEP_MS = 15000;

  /**
   * supply_low is raised this many days before a dispensed supply runs out ([C]: no source gives
   * a number; 3 days covers a weekend and a working day to refill).
   */
  @Transform(toNumber)
  @IsNumber({}, { message: 'must be a number of days' })
  @Min(0)
  @Max(60)
  SUPPLY_LOW_DAYS = 3;

  /** How often the supply watch looks at dispensed supplies (run-outs are days apart). */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(200)
  @Max(3600000)
  SUPPLY_SWEEP_MS = 60000;

  /**
   * An outpatient reporting nothing this many hours while doses are due raises no_contact ([C]:
   * no source gives a number; 24 h is a day of doses unheard of). Fractions allowed.
   */
  @Transform(toNumber)
  @IsNumber({}, { message: 'must be a number of hours' })
  @Min(1)
  @Max(720)
  NO_CONTACT_HOURS = 24;

  /** How often the outpatient watch judges each outpatient's plan in force (silence, hours rule). */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(200)
  @Max(3600000)
  OUTPATIENT_SWEEP_MS = 60000;

  /** A worker started alone serves its own /metrics here (unset: none; `npm start` shares the API's). */
  @IsOptional()
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  @Max(65535)
  WORKER_METRICS_PORT?: number;

  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** Requests per API key per minute in each API process (0: no limit); over it, 429. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  RATE_LIMIT_PER_MINUTE = 12_000;

  /**
   * Requests with a missing or unknown key per client address per minute in each API process
   * (0: no limit); past it they are answered 429 instead of 401. Valid keys are never refused.
   */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  AUTH_FAILURES_PER_MINUTE = 120;

  /**
   * Whose X-Forwarded-For names the client (the address AUTH_FAILURES_PER_MINUTE counts by):
   * believing every caller's would let anyone pick a fresh address per attempt.
   */
  @IsTrustProxy()
  TRUST_PROXY = 'false';

  /** How often the escalation sweep fires steps whose delayed job was lost (at most 30 s). */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(200)
  @Max(30000)
  ESCALATION_SWEEP_MS = 5000;

  /**
   * The tenant default for units without a policy of their own: the PUT body as JSON. Unset, an
   * alert in such a unit is `undeliverable` (logged, counted and shown on the alert).
   */
  @IsOptional()
  @IsEscalationPolicyJson()
  DEFAULT_ESCALATION_POLICY?: string;

  /** Signs the default policy's webhooks; required when that policy has a webhook target. */
  @ValidateIf((env: Environment) => defaultPolicyHasWebhook(env.DEFAULT_ESCALATION_POLICY))
  @Matches(WEBHOOK_SECRET_PATTERN, { message: 'must be whsec_ followed by a base64 key' })
  DEFAULT_ESCALATION_WEBHOOK_SECRET?: string;

  /** Webhooks to private and loopback addresses (never link-local or cloud metadata). */
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  WEBHOOK_ALLOW_PRIVATE = false;

  /** Connect timeout, and again the wait for the response, of one webhook attempt. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(100)
  @Max(60000)
  WEBHOOK_TIMEOUT_MS = 5000;

  /** Attempts per delivery (webhook or e-mail) before it is `failed`. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(20)
  DELIVERY_MAX_ATTEMPTS = 8;

  /** The first retry's delay; each later one doubles (with jitter) up to DELIVERY_RETRY_MAX_MS. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(10)
  DELIVERY_RETRY_BASE_MS = 2000;

  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(10)
  DELIVERY_RETRY_MAX_MS = 60000;

  /** smtp:// or smtps:// (user:password@host:port); unset, e-mail deliveries fail visibly. */
  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsString()
  @MinLength(3)
  MAIL_FROM = 'taperwatch <taperwatch@localhost>';

  /** The ward board's address, linked from alert e-mails. */
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  BOARD_URL = 'http://localhost:3000/board';

  /** The patient page's address: a new patient link's url is this with the token as its #fragment. */
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  PATIENT_PAGE_URL = 'http://localhost:3000/patient';

  /** How long a stopping process waits for in-flight jobs before it closes anyway. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10000;

  // API keys
  /** How long an authenticated key is trusted from memory while revocations arrive over Redis. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  @Max(300_000)
  KEY_CACHE_TTL_MS = 10_000;

  /** The same while the revocation subscriber is disconnected, so a missed revocation is short-lived. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  @Max(60_000)
  KEY_CACHE_DEGRADED_TTL_MS = 1_000;

  /** Each process writes a key's lastUsedAt at most this often (one batched UPDATE), not per request. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(10)
  KEY_LAST_USED_INTERVAL_MS = 60_000;

  // durable work
  /** Planning attempts (counted in Postgres) before a request ends failed: a broken one never waits forever. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  PLANNING_MAX_ATTEMPTS = 5;

  /**
   * How often the maintenance sweep runs: it re-queues taper requests queued and untouched this
   * long (a lost or failed job), and raises symptom-check alerts still owed.
   */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(100)
  MAINTENANCE_SWEEP_MS = 30000;

  // Secrets at rest and stored answers
  /** Hours a stored Idempotency-Key answer is kept; after that the key may be used again. */
  @Transform(toNumber)
  @IsNumber({}, { message: 'must be a number of hours' })
  @Min(0.01)
  @Max(720)
  IDEMPOTENCY_KEY_TTL_HOURS = 24;

  /** How often the worker deletes expired Idempotency-Key rows (they hold patient data). */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(200)
  @Max(86_400_000)
  IDEMPOTENCY_PURGE_INTERVAL_MS = 3_600_000;

  /**
   * AES-256-GCM key for escalation policies' webhook signing secrets (32 bytes, base64 or hex).
   * Unset, the service starts only while no policy is stored, and refuses to store one.
   */
  @IsOptional()
  @IsEncryptionKey()
  WEBHOOK_SECRET_ENCRYPTION_KEY?: string;

  /** Minutes a rotated-out webhook secret still signs (beside the new one) unless the call says. */
  @Transform(toNumber)
  @IsNumber({}, { message: 'must be a number of minutes' })
  @Min(0)
  @Max(10_080)
  WEBHOOK_SECRET_ROTATION_OVERLAP_MINUTES = 1440;

  // audit trail and erasure
  /** Buffered audit rows are written at least this often: what a crash can lose is this long. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(60000)
  AUDIT_FLUSH_INTERVAL_MS = 250;

  /** ...or as soon as this many wait, in one INSERT, so auditing a read costs an in-memory push. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(10000)
  AUDIT_FLUSH_ROWS = 500;

  /** Rows held while the database refuses them; past this the oldest are dropped and counted. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(1000)
  AUDIT_BUFFER_MAX_ROWS = 100000;

  /**
   * Megabytes of dose pages each API process keeps, answered again while their plan's doses are
   * unchanged (0: none kept, every page read from the doses).
   */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  @Max(4096)
  DOSE_PAGE_CACHE_MB = 32;

  /**
   * What erasing a patient does to their plans, doses, alerts and checks: `retain` keeps them under
   * the pseudonymous patient id (medical-records law outlasts erasure); `delete` removes them.
   */
  @IsIn(['retain', 'delete'])
  ERASURE_CLINICAL_RECORDS: 'retain' | 'delete' = 'retain';

  // availability
  /** One attempt to open a Postgres connection; past it the attempt fails (a down or hung host). */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(100)
  @Max(60000)
  DATABASE_CONNECT_TIMEOUT_MS = 5000;

  /** Longest wait for a pooled connection (opening one included); past it the request gets 503. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(100)
  @Max(120000)
  DATABASE_ACQUIRE_TIMEOUT_MS = 10000;

  /**
   * Postgres cancels a statement running longer (migrations are exempt); the driver gives up
   * waiting for an answer a little later, which bounds requests on a connection that went silent.
   */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(100)
  @Max(600000)
  DATABASE_STATEMENT_TIMEOUT_MS = 15000;

  /** Open alert streams per API key in each API process; one more is refused with 429. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(1000)
  ALERT_STREAMS_PER_KEY = 10;

  /** How long a reconnecting board can be away and still be sent what it missed (Last-Event-ID). */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(60)
  @Max(604800)
  ALERT_STREAM_RETENTION_SECONDS = 86400;

  /** Most events one resume sends; a board further behind is told to reload its lists instead. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(1)
  @Max(10000)
  ALERT_STREAM_RESUME_MAX_EVENTS = 1000;

  // Sign-on (OpenID Connect): bearer JWTs from trusted issuers, besides API keys.

  /**
   * Trusted token issuers, as a JSON array of {issuer, audience, jwksUri?, tenantId?, roleClaim?,
   * unitsClaim?, nameClaim?, roleMap?}. Empty: only API keys are accepted.
   */
  @IsOidcIssuersJson()
  OIDC_ISSUERS = '[]';

  /** Signature algorithms a token may use: asymmetric only, so no shared secret can forge one. */
  @IsOidcAlgorithms()
  OIDC_ALGORITHMS = 'RS256,PS256,ES256,EdDSA';

  /** Leeway for exp, nbf and iat against a clock that is slightly off. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  @Max(300)
  OIDC_CLOCK_TOLERANCE_SECONDS = 30;

  /** Least time between two fetches of an issuer's keys for a token naming an unknown key. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  @Max(3_600_000)
  OIDC_JWKS_COOLDOWN_MS = 30_000;

  /** How long an issuer's keys are used before they are fetched again regardless. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(1000)
  @Max(86_400_000)
  OIDC_JWKS_MAX_AGE_MS = 600_000;

  /** Longest wait for an issuer's discovery document or keys; past it the token is refused. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(100)
  @Max(60_000)
  OIDC_FETCH_TIMEOUT_MS = 5000;

  // --- CDS Hooks service (EHR order-sign / order-select) ---

  /**
   * Where users and EHRs reach taperwatch (no trailing slash): card links point here, and a CDS
   * Hooks request token's `aud` must be this + /cds-services/{id}. Required with CDS_HOOKS_CLIENTS.
   */
  @ValidateIf(
    (env: Environment) => env.CDS_HOOKS_CLIENTS !== undefined || env.PUBLIC_BASE_URL !== undefined,
  )
  @IsPublicBaseUrl()
  PUBLIC_BASE_URL?: string;

  /** The EHRs allowed to call /cds-services (JSON); unset, every hook call is refused (401). */
  @IsOptional()
  @IsCdsHooksClientsJson()
  CDS_HOOKS_CLIENTS?: string;

  /** Clock difference tolerated on a hook token's exp/iat; the jti is remembered this much longer. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(0)
  @Max(300)
  CDS_HOOKS_CLOCK_SKEW_SECONDS = 30;

  /** Longest lifetime (exp - iat) a hook token may have: the spec asks for at most 5 minutes. */
  @Transform(toNumber)
  @IsInt({ message: 'must be an integer' })
  @Min(10)
  @Max(3600)
  CDS_HOOKS_MAX_TOKEN_SECONDS = 300;
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
  for (const key of [...known, 'DATABASE_URL', 'REDIS_URL', 'REDIS_CLUSTER_NODES']) {
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
