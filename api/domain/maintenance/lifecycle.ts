import { componentStatusWords } from '../words.ts';
import type { ComponentStatus } from '../component/status.ts';
import { InvalidTransition } from '../errors.ts';

/** Statuspage's maintenance statuses, plus `cancelled` (withdrawn before it began; never public JSON). */
export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed', 'cancelled'] as const;
export type MaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];

/** The statuses an update may set (cancelling has its own verb). */
export const MAINTENANCE_UPDATE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;

/** The emails subscribers may get about one maintenance; all but `update` go out at most once. */
export const MAINTENANCE_EMAILS = ['scheduled', 'reminder', 'started', 'completed', 'cancelled', 'update'] as const;
export type MaintenanceEmail = (typeof MAINTENANCE_EMAILS)[number];

const NEXT: Record<MaintenanceStatus, readonly MaintenanceStatus[]> = {
  scheduled: ['scheduled', 'in_progress', 'cancelled'],
  in_progress: ['in_progress', 'verifying', 'completed'],
  verifying: ['verifying', 'in_progress', 'completed'],
  completed: [],
  cancelled: [],
};

/**
 * Checks a maintenance's move: scheduled → in_progress (or cancelled); in_progress ⇄ verifying
 * → completed; staying put posts a note. Completed and cancelled are final, and work that has
 * begun cannot be un-begun or cancelled (complete it instead).
 */
export function checkMaintenanceTransition(from: MaintenanceStatus, to: MaintenanceStatus): void {
  if (NEXT[from].includes(to)) return;
  if (from === 'completed' || from === 'cancelled') throw new InvalidTransition(`The maintenance is already ${from}`);
  if (to === 'cancelled') throw new InvalidTransition('Work that has begun cannot be cancelled; complete it instead');
  if (to === 'scheduled') throw new InvalidTransition('Work that has begun cannot go back to scheduled');
  throw new InvalidTransition(`A maintenance cannot move from ${from} to ${to}; start it first`);
}

/** Whether a maintenance in `status` holds its components under maintenance. */
export function holdsComponents(status: MaintenanceStatus): boolean {
  return status === 'in_progress' || status === 'verifying';
}

/** The email a status change sends (when notifications are on), or null for a note. */
export function emailFor(from: MaintenanceStatus, to: MaintenanceStatus): MaintenanceEmail | null {
  if (to === 'in_progress' && from === 'scheduled') return 'started';
  if (to === 'completed') return 'completed';
  if (to === 'cancelled') return 'cancelled';
  return null;
}

/** What the maintenance clock needs to know of one maintenance. */
export interface ClockView {
  status: MaintenanceStatus;
  scheduledFor: Date;
  scheduledUntil: Date;
  autoStart: boolean;
  autoComplete: boolean;
  notifyOnStart: boolean;
  notifyOnComplete: boolean;
  /** Hours before the start to remind subscribers; null: no reminder. */
  remindHoursBefore: number | null;
  /** When the reminder for the current start time went out, if it did. */
  remindedAt: Date | null;
  /** When subscribers first heard of it (its creation): no reminder that soon after. */
  announcedAt: Date;
  /** When its latest timeline entry took effect: a catch-up never dates a step before it. */
  lastStepAt: Date;
}

export type ClockStep = { kind: 'remind' } | { kind: 'start'; at: Date; notify: boolean } | { kind: 'complete'; at: Date; notify: boolean };

const HOUR = 3_600_000;

/** When the reminder is due, or null when none will go out. */
export function reminderAt(m: Pick<ClockView, 'scheduledFor' | 'remindHoursBefore' | 'announcedAt'>): Date | null {
  if (m.remindHoursBefore === null) return null;
  const at = new Date(m.scheduledFor.getTime() - m.remindHoursBefore * HOUR);
  // Announced after the reminder time: the announcement itself is the reminder.
  return m.announcedAt < at ? at : null;
}

/**
 * What the clock does to one maintenance at `now`, in order. Steps take effect at the times the
 * maintenance was scheduled for, so a clock that was down (a restart, a deploy) catches up with
 * the timeline it should have written; it never dates a step before the last recorded change.
 * A start found after the window already ended is recorded without its "started" email, and a
 * reminder found after the start is dropped: subscribers hear only what is still news.
 */
export function clockSteps(m: ClockView, now: Date): ClockStep[] {
  const effective = (t: Date) => new Date(Math.max(t.getTime(), m.lastStepAt.getTime()));
  const ended = now >= m.scheduledUntil;
  const steps: ClockStep[] = [];
  let status = m.status;
  if (status === 'scheduled') {
    const remind = reminderAt(m);
    if (remind && !m.remindedAt && now >= remind && now < m.scheduledFor) steps.push({ kind: 'remind' });
    if (m.autoStart && now >= m.scheduledFor) {
      steps.push({ kind: 'start', at: effective(m.scheduledFor), notify: m.notifyOnStart && !(ended && m.autoComplete) });
      status = 'in_progress';
    }
  }
  if (holdsComponents(status) && m.autoComplete && ended) {
    steps.push({ kind: 'complete', at: effective(m.scheduledUntil), notify: m.notifyOnComplete });
  }
  return steps;
}

/**
 * When the clock next has something to do for a maintenance after `now` (a reminder, a start, a
 * completion), or null when nothing is scheduled to happen by itself: the clock sleeps until then.
 */
export function nextClockStepAt(m: Omit<ClockView, 'lastStepAt'>, now: Date): Date | null {
  const later = (t: Date | null) => (t && t > now ? [t.getTime()] : []);
  const times: number[] = [];
  const scheduled = m.status === 'scheduled';
  if (scheduled && !m.remindedAt) {
    const remind = reminderAt(m);
    if (remind && remind < m.scheduledFor) times.push(...later(remind));
  }
  if (scheduled && m.autoStart) times.push(...later(m.scheduledFor));
  if (m.autoComplete && ((scheduled && m.autoStart) || holdsComponents(m.status))) times.push(...later(m.scheduledUntil));
  return times.length ? new Date(Math.min(...times)) : null;
}

/** The time a maintenance takes out of availability: from its start to its end (or now). */
export function maintenanceWindow(m: { startedAt: Date | null; completedAt: Date | null }, now: Date): { from: Date; to: Date } | null {
  return m.startedAt ? { from: m.startedAt, to: m.completedAt ?? now } : null;
}

/**
 * What the clock says when it completes a maintenance, from the components' displayed status
 * at that moment: "back in normal operation" only when nothing but this maintenance held them;
 * a component an incident still holds is named with its status.
 */
export function completionBody(components: { name: string; status: ComponentStatus }[]): string {
  const still = components.filter((c) => c.status !== 'operational' && c.status !== 'under_maintenance');
  if (!still.length) return 'The scheduled maintenance is complete and all affected services are back in normal operation.';
  return `The scheduled maintenance is complete. Still affected: ${still.map((c) => `${c.name} (${componentStatusWords(c.status)})`).join(', ')}; see the open incident for updates.`;
}
