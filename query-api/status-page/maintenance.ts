/**
 * The status page's maintenance section: the windows in force or starting within a week
 * (`/status/maintenance`), one row each. Kept apart from the rest of the page: page.ts places
 * the section, app-js.ts calls `loadMaintenance` after each refresh. Text only (textContent),
 * like every other section.
 */
export const MAINTENANCE_SECTION = `<section aria-labelledby="maintenance-heading" data-testid="maintenance-section">
    <h2 id="maintenance-heading">Maintenance windows</h2>
    <p class="hint">Minutes inside a window count as no events for the SLOs it selects (error budget, SLI and burn rates), and their breach signals are held back. In force now, or starting within a week.</p>
    <p id="maintenance-none" class="empty" data-testid="maintenance-none" hidden>No maintenance window in force or within a week.</p>
    <div id="maintenance-wrap" class="scroll">
      <table id="maintenance" data-testid="maintenance-list">
        <thead><tr><th>Window</th><th>State</th><th>From (UTC)</th><th>To (UTC)</th><th class="opt">SLOs</th><th class="opt">Reason</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>`;

/** `loadMaintenance(headers)`: fetches the windows and fills the section; uses the page script's `$` and `el`. */
export const MAINTENANCE_JS = String.raw`
  function loadMaintenance(headers) {
    return fetch('/status/maintenance', { headers: headers, cache: 'no-store' }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (m) {
      if (!m) return;
      var body = $('maintenance').tBodies[0];
      body.textContent = '';
      var time = function (iso) { return iso.slice(0, 16).replace('T', ' '); };
      m.windows.forEach(function (w) {
        var span = w.active || w.next;
        var tr = el('tr', { 'data-window': w.name, 'data-state': w.active ? 'active' : 'upcoming' });
        tr.appendChild(el('td', { class: 'name', title: w.rrule ? w.rrule + ' (' + w.time_zone + ')' : w.time_zone }, w.name));
        tr.appendChild(el('td', { class: w.active ? 'warn' : '' }, w.active ? 'in force' : 'upcoming'));
        tr.appendChild(el('td', { 'data-field': 'from' }, time(span.from)));
        tr.appendChild(el('td', { 'data-field': 'to' }, time(span.to)));
        tr.appendChild(el('td', { class: 'opt', 'data-field': 'slos' }, w.slo_ids.join(', ') || '–'));
        tr.appendChild(el('td', { class: 'opt' }, w.reason));
        body.appendChild(tr);
      });
      $('maintenance-none').hidden = m.windows.length > 0;
      $('maintenance-wrap').hidden = m.windows.length === 0;
    }).catch(function () { /* the rest of the page stands on its own */ });
  }
`;
