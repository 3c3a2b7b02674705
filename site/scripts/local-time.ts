// Rewrites every <time datetime> from UTC to the viewer's own time zone. Without JavaScript
// the page keeps its UTC times, which are complete on their own.
function localise() {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  // (dateStyle/timeStyle cannot be combined with timeZoneName, hence the explicit fields.)
  const clock = { hour: '2-digit', minute: '2-digit', timeZoneName: 'short' } as const;
  const full = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', ...clock });
  const time = new Intl.DateTimeFormat(undefined, clock);
  for (const el of document.querySelectorAll<HTMLTimeElement>('time[datetime]')) {
    const at = new Date(el.dateTime);
    if (Number.isNaN(at.getTime())) continue;
    el.title = `${el.textContent} (${zone})`;
    el.textContent = (el.dataset.format === 'time' ? time : full).format(at);
  }
  document.documentElement.classList.add('js');
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', localise);
else localise();
