/**
 * The status page script (plain browser JavaScript, served as /status/app.js). Raw values
 * go into data-* attributes so tests read exactly what was rendered.
 */
export const STATUS_JS = String.raw`
'use strict';
(function () {
  var KEY = 'slo-status-key';
  var timer = null;
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function pct(x, digits) { return (x * 100).toFixed(digits) + '%'; }
  function windowSeconds(w) {
    var m = /^(\d+)([smhdw])$/.exec(w); if (!m) return 0;
    return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2]];
  }
  function duration(s) {
    if (s === null || s === undefined) return '–';
    if (s <= 0) return 'exhausted';
    if (s < 3600) return Math.round(s / 60) + 'm';
    if (s < 172800) return Math.floor(s / 3600) + 'h ' + Math.round((s % 3600) / 60) + 'm';
    return Math.round(s / 86400) + 'd';
  }
  function burnClass(r) { return r >= 6 ? 'bad' : r >= 1 ? 'warn' : 'ok'; }
  function budgetClass(b) { return b === null ? 'none' : b > 0.5 ? 'ok' : b > 0.2 ? 'warn' : 'bad'; }
  function money(v, ccy) { return Number(v).toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) + ' ' + ccy; }

  function tile(label, value, cls, testid) {
    var t = el('div', { class: 'tile', 'data-testid': testid });
    t.appendChild(el('div', { class: 'label' }, label));
    var v = el('div', { class: 'value' + (cls ? ' ' + cls : '') }, value);
    t.appendChild(v);
    return t;
  }

  function renderSlos(slos) {
    var body = $('slos').tBodies[0];
    body.textContent = '';
    slos.forEach(function (s) {
      var tr = el('tr', { 'data-slo-id': s.slo_id });
      var name = el('td');
      name.appendChild(el('div', { class: 'slo-id' }, s.slo_id));
      name.appendChild(el('div', { class: 'service' }, s.service));
      tr.appendChild(name);
      tr.appendChild(el('td', { 'data-field': 'sli', 'data-value': s.sli === null ? '' : s.sli },
        (s.sli === null ? 'no traffic' : pct(s.sli, 3)) + ' / ' + pct(s.target, 2)));
      var b = s.error_budget_remaining;
      var budget = el('td', { 'data-field': 'budget', 'data-value': b === null ? '' : b });
      var bar = el('span', { class: 'bar ' + budgetClass(b) + (b !== null && b <= 0 ? ' over' : ''), role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100,
        'aria-valuenow': b === null ? 0 : Math.round(Math.max(0, Math.min(1, b)) * 100), 'aria-label': 'error budget remaining' });
      var fill = el('span');
      fill.style.width = (b === null ? 0 : Math.max(0, Math.min(1, b)) * 100) + '%';
      bar.appendChild(fill);
      budget.appendChild(bar);
      budget.appendChild(el('span', { class: 'budget-text' + (b !== null && b <= 0 ? ' over' : '') }, b === null ? '–' : b < 0 ? 'overspent by ' + pct(-b, 1) : pct(b, 1)));
      tr.appendChild(budget);
      var burns = el('td', { 'data-field': 'burn' });
      Object.keys(s.burn_rates).sort(function (x, y) { return windowSeconds(x) - windowSeconds(y); }).forEach(function (w) {
        var r = s.burn_rates[w];
        burns.appendChild(el('span', { class: 'badge ' + burnClass(r), 'data-window': w, 'data-value': r, title: 'burn rate over ' + w }, w + ' ' + r.toFixed(1) + 'x'));
      });
      tr.appendChild(burns);
      var alerts = el('td', { 'data-field': 'alerts', 'data-count': s.alerts.length });
      if (s.alerts.length === 0) alerts.appendChild(el('span', { class: 'badge none' }, 'none'));
      s.alerts.forEach(function (a) {
        alerts.appendChild(el('span', { class: 'badge ' + (a.severity === 'PAGE' ? 'bad' : 'warn'), 'data-severity': a.severity },
          a.severity + ' ' + a.long_window + '/' + a.short_window));
      });
      tr.appendChild(alerts);
      tr.appendChild(el('td', { 'data-field': 'exhaustion', class: 'num' }, duration(s.time_to_exhaustion_seconds)));
      body.appendChild(tr);
    });
  }

  function renderFinance(f) {
    var months = $('months').tBodies[0];
    months.textContent = '';
    f.months.forEach(function (m) {
      var tr = el('tr', { 'data-month': m.month });
      tr.appendChild(el('td', null, m.month));
      ['compensation_cost', 'refund_cost', 'lost_revenue', 'total_cost'].forEach(function (k) {
        tr.appendChild(el('td', { class: 'num', 'data-field': k, 'data-value': m[k] }, money(m[k], f.currency)));
      });
      tr.appendChild(el('td', { class: 'num', 'data-field': 'incidents' }, m.incidents));
      months.appendChild(tr);
    });
    var top = $('top').tBodies[0];
    top.textContent = '';
    f.top_incidents.forEach(function (i) {
      var tr = el('tr', { 'data-incident-id': i.incident_id });
      tr.appendChild(el('td', null, i.incident_id));
      tr.appendChild(el('td', null, i.severity));
      tr.appendChild(el('td', null, i.fault));
      tr.appendChild(el('td', { class: 'num', 'data-field': 'total_cost', 'data-value': i.total_cost }, money(i.total_cost, f.currency)));
      top.appendChild(tr);
    });
  }

  function render(d) {
    var firing = [];
    d.slos.forEach(function (s) { s.alerts.forEach(function (a) { if (a.status === 'FIRING') firing.push(a); }); });
    var pages = firing.filter(function (a) { return a.severity === 'PAGE'; }).length;
    var meeting = d.slos.filter(function (s) { return s.sli !== null && s.sli >= s.target; }).length;
    var exhausted = d.slos.filter(function (s) { return s.error_budget_remaining !== null && s.error_budget_remaining <= 0; }).length;
    var tiles = $('tiles');
    tiles.textContent = '';
    tiles.appendChild(tile('SLOs', d.slos.length, '', 'tile-slos'));
    tiles.appendChild(tile('Meeting objective', meeting + ' / ' + d.slos.length, meeting === d.slos.length ? '' : 'warn', 'tile-meeting'));
    tiles.appendChild(tile('Firing alerts', firing.length, pages ? 'bad' : firing.length ? 'warn' : '', 'tile-firing'));
    tiles.appendChild(tile('Budgets exhausted', exhausted, exhausted ? 'bad' : '', 'tile-exhausted'));
    tiles.appendChild(tile('Incident cost', money(d.finance.total.total_cost, d.finance.currency), '', 'tile-cost'));
    tiles.appendChild(tile('Unconverted money events', d.finance.total.unconverted, d.finance.total.unconverted ? 'warn' : '', 'tile-unconverted'));
    var overall = $('overall');
    overall.className = 'pill ' + (pages ? 'bad' : firing.length ? 'warn' : 'ok');
    overall.textContent = firing.length ? firing.length + ' alert' + (firing.length > 1 ? 's' : '') + ' firing' : 'No alerts firing';
    $('evaluated-at').textContent = d.evaluated_at;
    $('updated-at').textContent = new Date().toISOString();
    renderSlos(d.slos);
    renderFinance(d.finance);
    document.body.setAttribute('data-loaded', d.generated_at);
  }

  function load() {
    var headers = { accept: 'application/json' };
    var key = sessionStorage.getItem(KEY);
    if (key) headers.authorization = 'Bearer ' + key;
    return fetch('/status/data', { headers: headers, cache: 'no-store' }).then(function (r) {
      if (r.status === 401 || r.status === 403) {
        sessionStorage.removeItem(KEY);
        $('login').hidden = false;
        $('login-error').textContent = key ? 'That key was not accepted.' : '';
        return null;
      }
      if (!r.ok) throw new Error('status data: HTTP ' + r.status);
      return r.json();
    }).then(function (d) {
      if (!d) return;
      $('login').hidden = true;
      $('error').hidden = true;
      render(d);
      $('refresh').textContent = 'refreshes every ' + Math.round(d.refresh_ms / 1000) + 's';
      clearTimeout(timer);
      timer = setTimeout(load, d.refresh_ms);
    }).catch(function (e) {
      $('error').hidden = false;
      $('error').textContent = String(e.message || e) + ' — retrying';
      clearTimeout(timer);
      timer = setTimeout(load, 10000);
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('login').addEventListener('submit', function (ev) {
      ev.preventDefault();
      sessionStorage.setItem(KEY, $('key').value.trim());
      load();
    });
    load();
  });
})();
`;
