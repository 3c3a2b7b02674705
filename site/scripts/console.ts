// Console enhancements; every page works without them.
// 1. Deadlines count down live: "due in 4 min 10 s", then "overdue by 12 s".
function words(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s % 60} s`;
}

function tick() {
  for (const el of document.querySelectorAll<HTMLElement>('[data-due]')) {
    const left = Date.parse(el.dataset.due ?? '') - Date.now();
    if (Number.isNaN(left)) continue;
    el.textContent = left > 0 ? `due in ${words(left)}` : `overdue by ${words(left)}`;
    el.closest('[data-overdue]')?.setAttribute('data-overdue', String(left <= 0));
  }
}

// 2. The policy beside the severity choice follows the choice.
function followSeverity() {
  for (const select of document.querySelectorAll<HTMLSelectElement>('select[data-policy-for]')) {
    const show = () => {
      for (const row of document.querySelectorAll<HTMLElement>(`[data-policy-row]`)) {
        row.toggleAttribute('data-chosen', row.dataset.policyRow === select.value);
      }
    };
    select.addEventListener('change', show);
    show();
  }
}

// 3. The update's preview follows what is typed: the same server-side preview the button asks for.
function livePreview() {
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-live-preview]')) {
    const slot = form.dataset.livePreview ?? '';
    let timer: ReturnType<typeof setTimeout> | undefined;
    let asked = 0;
    form.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const mine = ++asked;
        const data = new FormData(form);
        data.set('intent', 'preview');
        const res = await fetch(location.pathname, { method: 'POST', body: new URLSearchParams(data as unknown as Record<string, string>) });
        const fresh = new DOMParser().parseFromString(await res.text(), 'text/html').getElementById(slot);
        // Only the latest answer counts: an earlier, slower one must not overwrite it.
        if (mine === asked && fresh) document.getElementById(slot)?.replaceWith(fresh);
      }, 400);
    });
  }
}

// 4. A time-zone choice left at UTC starts at the browser's own zone.
function localZone() {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const select of document.querySelectorAll<HTMLSelectElement>('select[data-local-zone]')) {
    if (select.value === 'UTC' && [...select.options].some((o) => o.value === zone)) select.value = zone;
  }
}

function start() {
  tick();
  localZone();
  setInterval(tick, 1000);
  followSeverity();
  livePreview();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
