import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import { recordingsPerStatement } from '@taperwatch/observability';
import {
  MAX_RECORDINGS_PER_STATEMENT,
  NumberedDoseRow,
  RecordedDoseRow,
  RecordingValues,
  recordingParams,
} from './record-dose.sql';
import { DosesRepository } from '../doses.repository';

/**
 * Writes recordings, gathering those that reach it in one turn of the event loop into one
 * statement (recordDosesSql). Nurses on a ward round record many doses at once; a statement
 * costs Postgres far more before its first row than per row after it, and the API a round trip,
 * so under load most of a recording's cost is shared (decision 0009). A lone recording waits for
 * nothing: the turn it arrived in ends at once.
 *
 * The statement is one transaction, so one failing row (or a deadlock) fails all of it and writes
 * nothing; each recording of that batch is then written alone and gets its own answer.
 */
@Injectable()
export class RecordingWriter {
  private readonly batches = new DataLoader<RecordingValues, RecordedDoseRow | null>(
    (recordings) => this.writeBatch(recordings),
    {
      cache: false,
      maxBatchSize: MAX_RECORDINGS_PER_STATEMENT,
      // setImmediate runs once the event loop has read every request that was ready.
      batchScheduleFn: (dispatch) => setImmediate(dispatch),
    },
  );

  constructor(private readonly repository: DosesRepository) {}

  /** The dose as recorded, or null when nothing was written (not found, not visible, recorded). */
  write(recording: RecordingValues): Promise<RecordedDoseRow | null> {
    return this.batches.load(recording);
  }

  private async writeBatch(
    recordings: readonly RecordingValues[],
  ): Promise<(RecordedDoseRow | null | Error)[]> {
    try {
      return await this.writeTogether(recordings);
    } catch (error) {
      if (recordings.length === 1) throw error;
      return Promise.all(
        recordings.map((recording) =>
          this.writeTogether([recording]).then(
            ([row]) => row!,
            (failure: Error) => failure,
          ),
        ),
      );
    }
  }

  private async writeTogether(
    recordings: readonly RecordingValues[],
  ): Promise<(RecordedDoseRow | null)[]> {
    // Rows in dose-id order: two statements locking the same doses take them in the same order.
    const order = recordings
      .map((_, i) => i)
      .sort((a, b) => compare(recordings[a]!.doseId, recordings[b]!.doseId));
    const rows: NumberedDoseRow[] = await this.repository.recordDoses(
      recordings.length,
      order.flatMap((i) => recordingParams(recordings[i]!)),
    );
    recordingsPerStatement.observe(recordings.length);
    const written: (RecordedDoseRow | null)[] = recordings.map(() => null);
    for (const row of rows) written[order[row.n]!] = row;
    return written;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
