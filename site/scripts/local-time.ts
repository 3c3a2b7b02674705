// Rewrites every <time datetime> from UTC to the viewer's own time zone. Without JavaScript
// the page keeps its UTC times, which are complete on their own.
function localise() {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // (dateStyle/timeStyle cannot be combined with timeZoneName, hence the explicit fields.)
  const clock = { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' } as const;
  const full = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', ...clock });
  const time = new Intl.DateTimeFormat(undefined, clock);
  const day = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' });
  for (const el of document.querySelectorAll<HTMLTimeElement>('time[datetime]')) {
    const at = new Date(el.dateTime);
    if (Number.isNaN(at.getTime())) continue;
    // The end of a range is shown as a time alone only when it is on the start's local day.
    const start = el.dataset.after ? new Date(el.dataset.after) : null;
    const timeOnly = start ? day.format(start) === day.format(at) : el.dataset.format === 'time';
    el.title = `${el.textContent} (${zone})`;
    el.textContent = (timeOnly ? time : full).format(at);
  }
  document.documentElement.classList.add('js');
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', localise);
else localise();
