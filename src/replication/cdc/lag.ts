// How far behind each cdc stream is, and how fast it goes: lag is the time since the source wrote
// the last change applied while changes wait, and zero once a heartbeat shows the binlog read to its
// end with nothing pending (binlog event times are whole seconds, so lag is too). Every few seconds
// a sample per stream goes to ferry's state for `ferry status`, /metrics and the web UI.
import type { PgClient } from '../../connectors/postgres/connect.js';
import type { FerryState } from '../../state/ferry-state.js';
import type { BatchReport, CdcStream } from './batch.js';

export class LagSampler {
  private readonly counts = new Map<string, number>();
  private lastSample = Date.now();
  private lastCompact = 0;
  /** Source time (ms) of the last change applied, and of the last event read. */
  private appliedAt: number | undefined;
  private readAt: number | undefined;
  private caught = false;

  constructor(
    private readonly state: FerryState,
    private readonly everySeconds: number,
    private readonly retentionDays = 30,
  ) {}

  count(stream: string, n: number): void {
    this.counts.set(stream, (this.counts.get(stream) ?? 0) + n);
    this.caught = false;
  }

  sourceAt(timestampSeconds: number): void {
    this.readAt = timestampSeconds * 1000;
  }

  applied(report: BatchReport): void {
    if (report.lastEventAt) this.appliedAt = report.lastEventAt.getTime();
  }

  /** A heartbeat with nothing pending: the binlog is read to its end and applied. */
  caughtUp(): void {
    this.caught = true;
  }

  /** Seconds the applied data trails the source now. */
  lagSeconds(now = Date.now()): number {
    if (this.caught) return 0;
    const at = this.appliedAt ?? this.readAt;
    return at === undefined ? 0 : Math.max(0, (now - at) / 1000);
  }

  async maybeSample(db: PgClient, streams: readonly CdcStream[]): Promise<void> {
    if (Date.now() - this.lastSample < this.everySeconds * 1000) return;
    await this.flush(db, streams);
  }

  async flush(db: PgClient, streams: readonly CdcStream[]): Promise<void> {
    const now = Date.now();
    const interval = (now - this.lastSample) / 1000;
    const lag = this.lagSeconds(now);
    await this.state.streamSamples.add(
      db,
      streams.map((s) => ({
        targetSchema: s.targetSchema,
        table: s.table,
        sampledAt: new Date(now),
        lagSeconds: lag,
        changes: this.counts.get(s.table) ?? 0,
        intervalSeconds: interval,
        position:
          s.checkpoint.gtid ?? (s.checkpoint.file ? `${s.checkpoint.file}:${s.checkpoint.position}` : null),
      })),
    );
    this.counts.clear();
    this.lastSample = now;
    if (now - this.lastCompact > 3600_000) {
      this.lastCompact = now;
      await this.state.streamSamples.compact(db, this.retentionDays);
    }
  }
}
