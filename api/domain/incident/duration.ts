/** A stretch an incident spent resolved before it was reopened. */
export interface ResolvedGap {
  from: Date;
  to: Date;
}

/**
 * How long an incident's impact lasted: from impact start to resolution, or to `now` while
 * open, leaving out the stretches it spent resolved before a reopen.
 */
export function incidentDurationMs(startedAt: Date, resolvedAt: Date | null, now: Date, gaps: ResolvedGap[] = []): number {
  const end = (resolvedAt ?? now).getTime();
  const paused = gaps.reduce((n, g) => n + Math.max(0, Math.min(g.to.getTime(), end) - Math.max(g.from.getTime(), startedAt.getTime())), 0);
  return Math.max(0, end - startedAt.getTime() - paused);
}

/** The stretches between each resolution and the reopen after it, from the timeline (any order). */
export function resolvedGaps(entries: { kind: string; status: string; createdAt: Date }[]): ResolvedGap[] {
  const sorted = [...entries].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const gaps: ResolvedGap[] = [];
  let resolvedAt: Date | null = null;
  for (const e of sorted) {
    if (e.kind === 'severity_change' || e.kind === 'note') continue;
    if (e.status === 'resolved') resolvedAt ??= e.createdAt;
    else if (e.kind === 'reopen' && resolvedAt) {
      gaps.push({ from: resolvedAt, to: e.createdAt });
      resolvedAt = null;
    }
  }
  return gaps;
}

/**
 * A duration for people, never shorter than it was: rounded up to the minute and stated to the
 * minute ("45 min", "2 h 5 min", "3 d 4 h 59 min"); under a minute reads "under 1 min".
 */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0 min';
  if (ms < 60_000) return 'under 1 min';
  const minutes = Math.ceil(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d && `${d} d`, h && `${h} h`, m && `${m} min`].filter(Boolean).join(' ');
}
