/** How long an incident's impact lasted: from impact start to resolution, or to `now` while open. */
export function incidentDurationMs(startedAt: Date, resolvedAt: Date | null, now: Date): number {
  return Math.max(0, (resolvedAt ?? now).getTime() - startedAt.getTime());
}

/** A duration for people: "45 min", "2 h 5 min", "3 d 4 h"; under a minute reads "under 1 min". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under 1 min';
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return `${m} min`;
}
